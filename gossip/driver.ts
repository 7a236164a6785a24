// The gossip driver: wires the Serf layer (and its gossip core) to a transport, the clock, the keyring file and
// the snapshot file. It is the only file in gossip/ that arms a timer (STYLE §3.2): after every input it pumps the
// output (packets out, streams run, events emitted, files written) and re-arms one timer at the next wakeup.
// It is long because it is the one place where sockets, files, timers and promises meet the pure layers; each
// method is one of those edges, and keeping them together keeps every timer in one file.

import { join } from 'node:path';
import type { Clock, Timer } from '../lib/clock.js';
import { TypedEmitter } from '../lib/emitter.js';
import { LatticeError, ShutdownError, ValidationError } from '../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import type { Rand } from '../lib/rand.js';
import type { GossipConfig, OutboundStream } from './core/index.js';
import { encryptionOverheadBytes } from './crypto.js';
import { type LookupHost, lookupAllAddresses, resolveJoinAddresses } from './join-addresses.js';
import { KeyManager } from './key-manager.js';
import type { Keyring } from './keyring.js';
import { loadKeyring, localKeyringFileName, remoteKeyringFileName, writeKeyringFile } from './keyring-file.js';
import { GossipSecurity, validateGossipSecurity } from './security.js';
import { defaultQueryTimeoutMs, type SerfConfig } from './serf/config.js';
import type { SerfMember } from './serf/members.js';
import type { SerfMergeDelegate } from './serf/merge-delegate.js';
import type { QueryResult } from './serf/queries.js';
import { type IncomingQuery, type QueryParams, Serf, type SerfEvent } from './serf/serf.js';
import { localSnapshotFileName, remoteSnapshotFileName, SnapshotFile } from './serf/snapshot-file.js';
import { EncryptedTransport, GossipDecryptError } from './transport/encrypted-transport.js';
import { defaultReceiveBufferSizeBytes, NetTransport } from './transport/net-transport.js';
import {
  defaultTransportLimits,
  type GossipStream,
  type GossipTransport,
  StreamClosedError,
} from './transport/transport.js';
import type { VivaldiConfig } from './vivaldi/config.js';

export interface GossipDriverConfig {
  readonly serf: SerfConfig;
  readonly gossip: GossipConfig;
  /** null: coordinates off. */
  readonly vivaldi: VivaldiConfig | null;
  readonly bindAddress: string;
  /** 0 picks a free port. */
  readonly bindPort: number;
  /** What others use to reach this node; defaults to bind address:port (refused for 0.0.0.0 / ::). */
  readonly advertiseAddress?: string;
  /** Where `serf/local.keyring` and `serf/local.snapshot` live; null keeps nothing on disk. */
  readonly dataDir: string | null;
  /** Base64 gossip key from config; the keyring file, once present, wins. */
  readonly encrypt?: string;
  readonly encryptVerifyIncoming: boolean;
  readonly encryptVerifyOutgoing: boolean;
  readonly label: string;
  /** Rejoin the members in the snapshot at start (unless the last run left gracefully). */
  readonly rejoinAfterRestart: boolean;
  /** How long `leave()` waits for the leave to spread (serf BroadcastTimeout 5 s). */
  readonly leaveTimeoutMs: number;
  /** Which pool: the LAN pool keeps `serf/local.*` files, the WAN pool `serf/remote.*` (default lan). */
  readonly pool?: 'lan' | 'wan';
  /**
   * Judges remote members before they merge (Consul's lanMergeDelegate / wanMergeDelegate): a refused join fails
   * with the reason ("Failed to join <seed>: <reason>"), a refused alive message is ignored. Default: accept all.
   */
  readonly mergeDelegate?: SerfMergeDelegate;
}

export interface GossipDriverComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  /** A transport to use instead of UDP/TCP sockets (tests); it is wrapped for encryption like the real one. */
  readonly transport?: GossipTransport;
  /**
   * How join host names become addresses; default the system resolver with the real sockets, and none with an
   * injected transport (its addresses are its own, not DNS names).
   */
  readonly lookupHost?: LookupHost;
}

export type GossipDriverEvents = {
  'member-join': SerfMember;
  'member-leave': SerfMember;
  'member-failed': SerfMember;
  'member-update': SerfMember;
  'member-reap': SerfMember;
  'member-conflict': { member: SerfMember; otherAddress: string };
  user: { ltime: number; name: string; payload: Uint8Array; coalesce: boolean };
  query: IncomingQuery;
  'keyring-changed': { keys: string[] };
  /** `lost`: most members know this node's name at another address; the owner should stop this agent (serf does). */
  'name-conflict': { outcome: 'won' | 'lost'; otherAddress: string; agreeing: number; responses: number };
};

/** Batches snapshot writes: one write + fsync per half second at most, as serf's snapshotter flushes. */
const snapshotFlushIntervalMs = 500;

/** An abort signal that fires after `delayMs` on the clock, with a cancel so no timer outlives its use. */
function deadline(clock: Clock, delayMs: number, message: string): { signal: AbortSignal; cancel(): void } {
  const controller = new AbortController();
  const timer = clock.setTimer(delayMs, () => controller.abort(new DOMException(message, 'TimeoutError')));
  return { signal: controller.signal, cancel: () => timer.cancel() };
}

export class JoinError extends LatticeError {
  override readonly name = 'JoinError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_GOSSIP_JOIN', message, options);
  }
}

/** force-leave of a name that is not in the member list (Consul: "agent: No node found with name '…'"). */
export class UnknownMemberError extends LatticeError {
  override readonly name = 'UnknownMemberError';
  constructor(readonly node: string) {
    super('ERR_GOSSIP_UNKNOWN_MEMBER', `No node found with name '${node}'`);
  }
}

interface PendingJoin {
  readonly seeds: Set<string>;
  ok: number;
  readonly failed: string[];
  /** "Failed to join <seed>: <reason>" for seeds that answered but whose state a merge delegate refused. */
  readonly refusals: string[];
  resolve(count: number): void;
  reject(error: Error): void;
}

export class GossipDriver implements Startable {
  readonly events: TypedEmitter<GossipDriverEvents>;
  readonly keyManager: KeyManager;
  private readonly lifecycle = new LifecycleState();
  private serf: Serf | null = null;
  private transport: EncryptedTransport | null = null;
  private security: GossipSecurity | null = null;
  private snapshot: SnapshotFile | null = null;
  private timer: Timer | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly pendingJoins = new Set<PendingJoin>();
  private readonly pendingQueries = new Map<
    number,
    { resolve(result: QueryResult): void; reject(error: Error): void }
  >();
  private snapshotTimer: Timer | null = null;
  private keyringWrite: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void)[] = [];
  private pumping = false;
  private address = '';
  private readonly lookupHost: LookupHost | null;

  constructor(
    private readonly components: GossipDriverComponents,
    private readonly config: GossipDriverConfig,
  ) {
    this.lookupHost = components.lookupHost ?? (components.transport ? null : lookupAllAddresses);
    this.events = new TypedEmitter((error, name) =>
      components.log.error({ err: error, event: String(name) }, 'gossip event listener failed'),
    );
    this.keyManager = new KeyManager({
      aliveCount: () => this.members().filter((member) => member.status === 'alive').length,
      query: (name, payload, params, options) => this.query(name, payload, params, options),
    });
  }

  // --- lifecycle ----------------------------------------------------------------------------------------------------

  async start(options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.start(async () => {
      const { config, components } = this;
      const keyringPath = this.keyringPath();
      const source = await loadKeyring(keyringPath, config.encrypt);
      if (source.encryptIgnored) {
        components.log.warn(
          { path: keyringPath },
          'the keyring file takes precedence over the encrypt setting, which is ignored (remove the file to reset)',
        );
      }
      this.security = new GossipSecurity(
        validateGossipSecurity({
          keyring: source.keyring,
          verifyIncoming: config.encryptVerifyIncoming,
          verifyOutgoing: config.encryptVerifyOutgoing,
          label: config.label,
        }),
      );
      this.snapshot = config.dataDir === null ? null : await SnapshotFile.open(this.snapshotPath()!);
      const limits = {
        ...defaultTransportLimits,
        // The core fills packets up to its limit; sealing adds the encryption header and tag on top.
        packetSizeBytesMax: Math.max(
          defaultTransportLimits.packetSizeBytesMax,
          config.gossip.packetSizeBytesMax + encryptionOverheadBytes,
        ),
        frameSizeBytesMax: config.gossip.streamSizeBytesMax,
        streamIdleTimeoutMs: config.gossip.streamTimeoutMs,
      };
      const inner =
        components.transport ??
        new NetTransport(
          { log: components.log },
          {
            bindAddress: config.bindAddress,
            bindPort: config.bindPort,
            limits,
            receiveBufferSizeBytes: defaultReceiveBufferSizeBytes,
          },
        );
      const transport = new EncryptedTransport(
        { log: components.log, nowMs: () => components.clock.nowMs() },
        inner,
        this.security,
        limits,
      );
      this.transport = transport;
      try {
        await transport.start(options);
      } catch (error) {
        await this.snapshot?.close();
        this.snapshot = null;
        throw error;
      }
      try {
        const address = this.advertiseAddress(transport.localAddress());
        this.address = address;
        this.serf = new Serf(
          {
            serf: config.serf,
            gossip: config.gossip,
            address,
            vivaldi: config.vivaldi,
            restored: this.snapshot?.state ?? null,
            ...(config.mergeDelegate ? { mergeDelegate: config.mergeDelegate } : {}),
          },
          { rand: components.rand, nowMs: components.clock.nowMs(), keyring: source.keyring },
        );
      } catch (error) {
        await transport.stop();
        await this.snapshot?.close();
        this.snapshot = null;
        throw error;
      }
      this.unsubscribe.push(
        transport.onPacket((from, bytes) => {
          this.serf?.handlePacket(from, bytes, this.components.clock.nowMs());
          this.pump();
        }),
        transport.onStream((stream) => this.track(this.serveStream(stream))),
      );
      components.log.info(
        {
          node: config.serf.nodeName,
          address: this.address,
          encrypted: source.keyring !== null,
          keyringSource: source.origin,
        },
        'gossip started',
      );
    });
    this.pump();
    this.rejoinFromSnapshot();
  }

  private keyringPath(): string | null {
    if (this.config.dataDir === null) return null;
    return join(this.config.dataDir, this.config.pool === 'wan' ? remoteKeyringFileName : localKeyringFileName);
  }

  private snapshotPath(): string | null {
    if (this.config.dataDir === null) return null;
    return join(this.config.dataDir, this.config.pool === 'wan' ? remoteSnapshotFileName : localSnapshotFileName);
  }

  private advertiseAddress(bound: string): string {
    if (this.config.advertiseAddress) return this.config.advertiseAddress;
    if (this.config.bindAddress === '0.0.0.0' || this.config.bindAddress === '::') {
      throw new ValidationError('advertise_addr is required when binding gossip to all interfaces');
    }
    return bound;
  }

  private rejoinFromSnapshot(): void {
    const state = this.snapshot?.state;
    if (!this.config.rejoinAfterRestart || !state || state.left) return;
    const self = this.config.serf.nodeName;
    const seeds = [...state.alive].filter(([name]) => name !== self).map(([, address]) => address);
    if (seeds.length === 0) return;
    this.components.log.info({ count: seeds.length }, 'rejoining members from the snapshot');
    this.track(
      this.join(seeds).then(
        (count) => this.components.log.info({ count }, 'rejoined from the snapshot'),
        (error: unknown) => this.components.log.warn({ err: error }, 'could not rejoin any member from the snapshot'),
      ),
    );
  }

  /** Stops without leaving (others will see this node fail). Use `leave()` first for a graceful exit. */
  stop(_options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.timer?.cancel();
      this.timer = null;
      for (const off of this.unsubscribe.splice(0)) off();
      await this.transport?.stop();
      for (const join of this.pendingJoins) join.reject(new JoinError('gossip stopped before the join finished'));
      this.pendingJoins.clear();
      for (const query of this.pendingQueries.values())
        query.reject(new ShutdownError('gossip stopped before the query finished'));
      this.pendingQueries.clear();
      this.snapshotTimer?.cancel();
      this.snapshotTimer = null;
      await Promise.allSettled([...this.inFlight]);
      this.flushSnapshotNow();
      await Promise.allSettled([...this.inFlight]);
      await this.keyringWrite.catch(() => undefined);
      await this.snapshot?.close();
      this.serf = null;
    });
  }

  // --- operations ---------------------------------------------------------------------------------------------------

  /** The address others reach this node at (valid after start). */
  localAddress(): string {
    return this.address;
  }

  /**
   * Joins through the given addresses; resolves with how many answered, rejects if none did. Host names are looked
   * up first (memberlist's resolveAddr): one that does not resolve is named with the resolver's error.
   */
  async join(addresses: readonly string[], options: AbortOptions = {}): Promise<number> {
    this.requireSerf();
    const wanted = addresses.filter((address) => address !== this.localAddress());
    const { seeds: resolved, failures } =
      this.lookupHost === null ? { seeds: wanted, failures: [] } : await resolveJoinAddresses(wanted, this.lookupHost);
    for (const failure of failures) this.components.log.warn({ addresses: wanted }, failure);
    const serf = this.requireSerf();
    const seeds = new Set(resolved.filter((address) => address !== this.localAddress()));
    if (seeds.size === 0) {
      if (failures.length > 0) throw new JoinError(failures.join('; '));
      return 0;
    }
    if (options.signal?.aborted) throw new JoinError('join aborted', { cause: options.signal.reason });
    return new Promise<number>((resolve, reject) => {
      const pending: PendingJoin = { seeds, ok: 0, failed: [], refusals: [...failures], resolve, reject };
      this.pendingJoins.add(pending);
      options.signal?.addEventListener(
        'abort',
        () => {
          this.pendingJoins.delete(pending);
          reject(new JoinError('join aborted', { cause: options.signal?.reason }));
        },
        { once: true },
      );
      serf.join([...seeds], this.components.clock.nowMs());
      this.pump();
    });
  }

  /** Graceful leave: broadcasts it and waits (at most `leaveTimeoutMs`) until it has been sent. Then call stop(). */
  async leave(options: AbortOptions = {}): Promise<void> {
    const serf = this.requireSerf();
    serf.leave(this.components.clock.nowMs());
    this.pump();
    const limit = deadline(this.components.clock, this.config.leaveTimeoutMs, 'leave broadcast timed out');
    const signal = options.signal ? AbortSignal.any([options.signal, limit.signal]) : limit.signal;
    while (!serf.leaveBroadcastDone() && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = this.components.clock.setTimer(this.config.gossip.gossipIntervalMs, resolve);
        signal.addEventListener(
          'abort',
          () => {
            timer.cancel();
            resolve();
          },
          { once: true },
        );
      });
    }
    limit.cancel();
    if (!serf.leaveBroadcastDone()) this.components.log.warn('leave broadcast not fully sent before the timeout');
    this.flushSnapshotNow();
  }

  members(): SerfMember[] {
    return this.serf?.memberList() ?? [];
  }

  /**
   * Force-leave (Consul's `force-leave`, serf RemoveFailedNode): spreads a leave intent for `name`; members that see
   * it failed mark it left, and with `prune` forget it at once. Throws UnknownMemberError when `name` is not a member
   * in any status; an alive member is left alone (it is not failed anywhere).
   */
  forceLeave(name: string, options: { readonly prune?: boolean } = {}): void {
    const serf = this.requireSerf();
    if (serf.member(name) === undefined) throw new UnknownMemberError(name);
    serf.forceLeave(name, options.prune ?? false, this.components.clock.nowMs());
    this.pump();
  }

  userEvent(name: string, payload: Uint8Array, coalesce = false): number {
    const ltime = this.requireSerf().userEvent(name, payload, coalesce, this.components.clock.nowMs());
    this.pump();
    return ltime;
  }

  /** Runs a query; resolves with every response gathered by the timeout (or once `expectedResponses` answered). */
  query(name: string, payload: Uint8Array, params: QueryParams = {}, options: AbortOptions = {}): Promise<QueryResult> {
    const serf = this.requireSerf();
    const id = serf.query(name, payload, params, this.components.clock.nowMs());
    const result = new Promise<QueryResult>((resolve, reject) => {
      this.pendingQueries.set(id, { resolve, reject });
      options.signal?.addEventListener(
        'abort',
        () => {
          this.pendingQueries.delete(id);
          reject(options.signal?.reason);
        },
        { once: true },
      );
    });
    this.pump();
    return result;
  }

  respond(query: IncomingQuery, payload: Uint8Array): void {
    this.requireSerf().respond(query, payload, this.components.clock.nowMs());
    this.pump();
  }

  setTags(tags: Readonly<Record<string, string>>): void {
    this.requireSerf().setTags(tags, this.components.clock.nowMs());
    this.pump();
  }

  defaultQueryTimeoutMs(): number {
    return defaultQueryTimeoutMs(this.config.serf, this.members().length);
  }

  keyring(): Keyring | null {
    return this.security?.keyring ?? null;
  }

  /** Everything counted, for metrics and tests. */
  stats() {
    return {
      transport: this.transport?.counters,
      security: this.security?.counters,
      serf: this.serf?.counters,
      core: this.serf?.core.stats,
    };
  }

  serfLayer(): Serf {
    return this.requireSerf();
  }

  // --- the pump -----------------------------------------------------------------------------------------------------

  private requireSerf(): Serf {
    if (!this.serf || !this.lifecycle.isRunning())
      throw new LatticeError('ERR_GOSSIP_STOPPED', 'gossip is not running');
    return this.serf;
  }

  private pump(): void {
    const serf = this.serf;
    const transport = this.transport;
    if (!serf || !transport || this.pumping || !this.lifecycle.isRunning()) return;
    this.pumping = true;
    try {
      const output = serf.takeOutput();
      for (const packet of output.packets) transport.sendPacket(packet.to, packet.bytes);
      for (const stream of output.streams) this.track(this.runStream(stream));
      for (const event of output.events) this.emit(event);
      if (output.snapshotLines.length > 0 && this.snapshot) {
        this.snapshot.record(output.snapshotLines);
        this.flushSnapshot();
      }
    } finally {
      this.pumping = false;
    }
    this.timer?.cancel();
    const wakeupMs = serf.nextWakeupMs();
    if (wakeupMs === null) return;
    const clock = this.components.clock;
    this.timer = clock.setTimer(Math.max(0, wakeupMs - clock.nowMs()), () => {
      this.timer = null;
      if (!this.lifecycle.isRunning()) return;
      serf.tick(clock.nowMs());
      this.pump();
    });
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) =>
      this.components.log.error({ err: error }, 'gossip background task failed'),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Snapshot lines are written and fsynced at most every `snapshotFlushIntervalMs` (serf flushes every 500 ms). */
  private flushSnapshot(): void {
    if (this.snapshotTimer !== null || !this.snapshot?.hasPending()) return;
    this.snapshotTimer = this.components.clock.setTimer(snapshotFlushIntervalMs, () => {
      this.snapshotTimer = null;
      this.flushSnapshotNow();
    });
  }

  private flushSnapshotNow(): void {
    const snapshot = this.snapshot;
    if (!snapshot?.hasPending()) return;
    this.track(snapshot.flush());
  }

  private emit(event: SerfEvent): void {
    const log = this.components.log;
    switch (event.type) {
      case 'member-join':
      case 'member-leave':
      case 'member-failed':
      case 'member-update':
      case 'member-reap': {
        const label = event.type.replace('member-', '');
        const name = `EventMember${label[0]!.toUpperCase()}${label.slice(1)}`;
        log.info(
          { member: event.member.name, address: event.member.address },
          `serf: ${name}: ${event.member.name} ${event.member.address}`,
        );
        this.events.emit(event.type, event.member);
        return;
      }
      case 'member-conflict':
        log.warn(
          { member: event.member.name, otherAddress: event.otherAddress },
          `serf: node name conflict for ${event.member.name}: also claimed by ${event.otherAddress}`,
        );
        this.events.emit('member-conflict', { member: event.member, otherAddress: event.otherAddress });
        return;
      case 'user':
        this.events.emit('user', event);
        return;
      case 'query':
        this.events.emit('query', event.query);
        return;
      case 'query-done': {
        const pending = this.pendingQueries.get(event.result.id);
        this.pendingQueries.delete(event.result.id);
        pending?.resolve(event.result);
        return;
      }
      case 'keyring-changed':
        this.persistKeyring();
        return;
      case 'name-conflict': {
        const { outcome, otherAddress, agreeing, responses } = event;
        const text =
          outcome === 'lost'
            ? `serf: minority in name conflict resolution (${agreeing}/${responses} agree): node name ` +
              `${this.config.serf.nodeName} belongs to ${otherAddress}; this agent should be stopped or renamed`
            : `serf: majority in name conflict resolution (${agreeing}/${responses} agree) against ${otherAddress}`;
        if (outcome === 'lost') log.error({ otherAddress, agreeing, responses }, text);
        else log.warn({ otherAddress, agreeing, responses }, text);
        this.events.emit('name-conflict', { outcome, otherAddress, agreeing, responses });
        return;
      }
      case 'join-result':
        if (event.reconnect) {
          if (event.ok)
            log.info({ seed: event.seed }, `serf: reconnected to previously failed member at ${event.seed}`);
          else log.debug({ seed: event.seed }, `serf: reconnect attempt to ${event.seed} failed`);
          return;
        }
        this.settleJoin(event.seed, event.ok, event.refusal);
        return;
    }
  }

  private persistKeyring(): void {
    const keyring = this.security?.keyring;
    if (!keyring) return;
    const keys = keyring.list();
    this.components.log.info({ keyCount: keys.length }, 'gossip keyring changed');
    this.events.emit('keyring-changed', { keys });
    if (this.config.dataDir === null) return;
    const path = this.keyringPath()!;
    this.keyringWrite = this.keyringWrite
      .then(() => writeKeyringFile(path, keyring))
      .catch((error: unknown) => this.components.log.error({ err: error, path }, 'could not write the keyring file'));
  }

  private settleJoin(seed: string, ok: boolean, refusal: string | undefined): void {
    if (refusal !== undefined) {
      this.components.log.warn({ seed, refusal }, `failed to join ${seed}: ${refusal}`);
    } else if (!ok) {
      this.components.log.warn(
        { seed },
        `failed to join ${seed}: no push-pull answer (unreachable, or the pool uses a different gossip encryption key)`,
      );
    }
    for (const pending of this.pendingJoins) {
      if (!pending.seeds.delete(seed)) continue;
      if (ok) pending.ok++;
      else pending.failed.push(seed);
      if (refusal !== undefined) pending.refusals.push(`Failed to join ${seed}: ${refusal}`);
      if (pending.seeds.size > 0) continue;
      this.pendingJoins.delete(pending);
      if (pending.ok > 0) pending.resolve(pending.ok);
      else if (pending.refusals.length > 0) pending.reject(new JoinError(pending.refusals.join('; ')));
      else pending.reject(new JoinError(`failed to join any of ${pending.failed.join(', ')}`));
    }
  }

  /**
   * Sends one stream request and hands the answer (or null on any failure) back to the core, telling it when the
   * peer read the request and closed without answering: a node from before version-2 envelopes refuses one so.
   */
  private async runStream(request: OutboundStream): Promise<void> {
    const transport = this.transport;
    const clock = this.components.clock;
    let response: Uint8Array | null = null;
    let peerClosed = false;
    const limit = deadline(clock, Math.max(1, request.deadlineMs - clock.nowMs()), 'gossip stream timed out');
    const signal = limit.signal;
    let stream: GossipStream | null = null;
    let written = false;
    try {
      if (!transport) throw new LatticeError('ERR_GOSSIP_STOPPED', 'gossip is not running');
      stream = await transport.openStream(request.to, { signal });
      await stream.write(request.bytes, { signal });
      written = true;
      response = await stream.read({ signal });
    } catch (error) {
      // A decryption failure is an answer under another key, not a refusal: asking again would not help.
      peerClosed =
        written && !signal.aborted && error instanceof StreamClosedError && !(error instanceof GossipDecryptError);
      this.components.log.debug({ err: error, to: request.to, kind: request.kind }, 'gossip stream failed');
      response = null;
    } finally {
      limit.cancel();
      stream?.close();
    }
    if (!this.serf || !this.lifecycle.isRunning()) return;
    this.serf.handleStreamResponse(request.id, response, clock.nowMs(), peerClosed);
    this.pump();
  }

  /** Answers one inbound stream request (fallback ping or push-pull). */
  private async serveStream(stream: GossipStream): Promise<void> {
    const clock = this.components.clock;
    const limit = deadline(clock, this.config.gossip.streamTimeoutMs, 'gossip stream timed out');
    const signal = limit.signal;
    try {
      const request = await stream.read({ signal });
      const serf = this.serf;
      if (!serf || !this.lifecycle.isRunning()) return;
      const response = serf.handleStream(stream.remoteAddress, request, clock.nowMs());
      this.pump();
      if (response !== null) await stream.write(response, { signal });
    } catch (error) {
      this.components.log.debug({ err: error, from: stream.remoteAddress }, 'inbound gossip stream failed');
    } finally {
      limit.cancel();
      stream.close();
    }
  }
}
