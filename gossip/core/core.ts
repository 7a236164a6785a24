// GossipCore: one node's SWIM + Lifeguard membership as a pure state machine. Inputs are packets, streams, ticks
// and commands, each with the current time; outputs are collected by `takeOutput()` and the driver wakes the core
// at `nextWakeupMs()`. The public contract is documented in index.ts.

import { assert } from '../../lib/assert.js';
import { ValidationError } from '../../lib/errors.js';
import type { Rand } from '../../lib/rand.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue, retransmitLimit } from './broadcast-queue.js';
import { type GossipConfig, gossipConfigProblems } from './config.js';
import { decodePacket, decodeStream } from './decode.js';
import { encodeFramed, encodeStream, PacketBuilder } from './encode.js';
import { EnvelopeRefusals } from './envelope-refusals.js';
import { isLive, type MemberRecord, snapshot } from './member-table.js';
import {
  GossipDecodeError,
  META_SIZE_BYTES_MAX,
  NAME_SIZE_BYTES_MAX,
  type PacketMessage,
  type PushPullMessage,
} from './messages.js';
import { Prober } from './probe.js';
import { localState, mergeRemoteState, pushPullIntervalMs } from './push-pull.js';
import { MembershipState } from './state.js';
import { isStreamEnvelope, sealStreamEnvelope } from './stream-envelope.js';
import {
  emptyOutput,
  emptyStats,
  type GossipOutput,
  type GossipStats,
  type Member,
  type MergeCandidate,
  type MergeDelegate,
  type Outbox,
  type StreamKind,
} from './types.js';

export interface GossipSelf {
  readonly name: string;
  /** Where others reach this node: `host:port` in production. */
  readonly address: string;
  /** Opaque bytes gossiped with this member (Serf's encoded tags), at most 512. */
  readonly meta?: Uint8Array;
}

export interface GossipComponents {
  readonly rand: Rand;
  readonly nowMs: number;
  readonly self: GossipSelf;
  /**
   * Returns one shared copy of a string equal to `text`. Member names and addresses pass through it before the
   * table keeps them: a process running many cores (the simulator) then stores each name once, not once per node.
   * Default: keep the decoded string.
   */
  readonly internString?: (text: string) => string;
  /**
   * Judges remote members before they merge (see MergeDelegate): a refused push-pull state merges nothing and is
   * answered with the reason (the requester's join fails with it); a refused alive message is ignored. Default: all.
   */
  readonly mergeDelegate?: MergeDelegate;
}

/**
 * How a push-pull request went: `enveloped` in version 2; `plain` in version 1 by choice; `retry` in version 1
 * after the peer closed the envelope unanswered (an answer then marks the peer as refusing envelopes).
 */
type RequestEncoding = 'enveloped' | 'plain' | 'retry';

interface PendingStream {
  readonly kind: StreamKind;
  readonly to: string;
  readonly seq: number;
  readonly join: boolean;
  readonly deadlineMs: number;
  readonly encoding: RequestEncoding;
  /** The member at `to` when the request was made (null for a seed, or a ping). */
  readonly member: MemberRecord | null;
}

const EMPTY = new Uint8Array(0);
const NO_ENVELOPE: Pick<PendingStream, 'encoding' | 'member'> = Object.freeze({ encoding: 'plain', member: null });
const keepString = (text: string): string => text;
const PENDING_STREAMS_SWEEP_SIZE = 256;
/** The join sync waits at least one probe interval, and at most this many, for the broadcast queue to drain. */
const JOIN_SYNC_WAIT_INTERVALS = 10;

export class GossipCore {
  readonly stats: GossipStats = emptyStats();
  private readonly outbox: Outbox = { current: emptyOutput() };
  private readonly rand: Rand;
  private readonly awareness: Awareness;
  private readonly queue: BroadcastQueue;
  private readonly state: MembershipState;
  private readonly prober: Prober;
  private readonly pendingStreams = new Map<number, PendingStream>();
  private readonly envelopeRefusals = new EnvelopeRefusals();
  private streamId = 0;
  private lastNowMs: number;
  /** The wake-up time last handed to the driver, to notice when a tick comes far later (a stalled node). */
  private wakeupRequestedMs: number | null = null;
  private nextGossipMs: number;
  private nextPushPullMs: number;
  /**
   * After a successful join: one more push-pull with a random member, once this node has passed on the join's news
   * (its broadcast queue is empty) or at the latest JOIN_SYNC_WAIT_INTERVALS probe intervals later. While a pool
   * forms, each member retransmits news by the size of the pool it knows, which is small at first, so an alive
   * message can die out before reaching everyone (seen in the simulator: 1 of 50 members missing one for 20 s, until
   * a periodic push-pull). This sync closes such gaps in seconds, both ways; it costs one state exchange per join.
   */
  private joinSyncAfterMs = Number.POSITIVE_INFINITY;
  private ackPayload: Uint8Array = EMPTY;
  private userState: Uint8Array = EMPTY;
  private readonly packet: PacketBuilder;
  private readonly gossipTargets: MemberRecord[] = [];
  /** Live members, and the dead for a while so a falsely-dead one hears of it and refutes; never the left. */
  private readonly acceptGossipTarget = (record: MemberRecord): boolean =>
    record !== this.state.self &&
    (isLive(record.state) ||
      (record.state === 'dead' && this.lastNowMs - record.stateChangeMs <= this.config.gossipToTheDeadMs));
  /** Exactly the alive messages MembershipState.onAlive returns early on, found before they are built. */
  private readonly aliveIsOldNews = (node: string, incarnation: number): boolean => {
    const record = this.state.table.get(node);
    return (
      record !== undefined && record !== this.state.self && incarnation <= record.incarnation && isLive(record.state)
    );
  };
  private readonly mergeDelegate: MergeDelegate | null;
  private readonly acceptPushPullTarget = (record: MemberRecord): boolean =>
    record !== this.state.self && record.state === 'alive';

  constructor(
    readonly config: GossipConfig,
    components: GossipComponents,
  ) {
    const problems = gossipConfigProblems(config);
    if (problems.length > 0) throw new ValidationError(`invalid gossip config: ${problems.join('; ')}`);
    const { self, nowMs } = components;
    checkSelf(self);
    this.rand = components.rand;
    this.mergeDelegate = components.mergeDelegate ?? null;
    this.lastNowMs = nowMs;
    this.awareness = new Awareness(config.awarenessMultiplierMax);
    this.queue = new BroadcastQueue(config.broadcastQueueCapacity);
    this.packet = new PacketBuilder(config.packetSizeBytesMax);
    this.state = new MembershipState(
      config,
      this.rand,
      this.awareness,
      this.queue,
      this.outbox,
      this.stats,
      { name: self.name, address: self.address, meta: self.meta ?? EMPTY },
      nowMs,
      components.internString ?? keepString,
    );
    this.prober = new Prober(config, this.rand, this.awareness, this.state, this.stats, this.outbox, this, nowMs);
    this.nextGossipMs = nowMs + this.rand.intBelow(config.gossipIntervalMs);
    this.nextPushPullMs =
      config.pushPullIntervalMs === 0
        ? Number.POSITIVE_INFINITY
        : nowMs + this.rand.intBelow(config.pushPullIntervalMs);
  }

  // --- inputs ----------------------------------------------------------------------------------------------------

  /** A UDP packet from `from`. Malformed input is counted in `stats.decodeFailures` and dropped; never throws. */
  handlePacket(from: string, bytes: Uint8Array, nowMs: number): void {
    const now = this.advanceTime(nowMs);
    this.stats.packetsReceived++;
    this.stats.bytesReceived += bytes?.length ?? 0;
    let messages: PacketMessage[];
    try {
      messages = decodePacket(bytes, this.config.packetSizeBytesMax, this.aliveIsOldNews);
    } catch (error) {
      if (!(error instanceof GossipDecodeError)) throw error;
      this.stats.decodeFailures++;
      return;
    }
    for (const message of messages) this.handleMessage(from, message, now);
  }

  /**
   * A stream (TCP) request from `from`: returns the response bytes to write back, or null to close without one
   * (malformed input, counted, or a ping for another name).
   */
  handleStream(from: string, bytes: Uint8Array, nowMs: number): Uint8Array | null {
    const now = this.advanceTime(nowMs);
    const enveloped = isStreamEnvelope(bytes);
    let message: ReturnType<typeof decodeStream>;
    try {
      message = decodeStream(bytes, this.config.streamSizeBytesMax);
    } catch (error) {
      if (!(error instanceof GossipDecodeError)) throw error;
      this.countMalformedStream(enveloped);
      return null;
    }
    if (message.type === 'ping') {
      if (message.target !== this.state.self.name) {
        this.stats.messagesIgnored++;
        return null;
      }
      return encodeStream({ type: 'ack', seq: message.seq, payload: this.ackPayload });
    }
    if (message.type === 'ack' || message.type === 'push-pull-refused') {
      this.stats.messagesIgnored++;
      return null;
    }
    // Refused: nothing merges, and the requester learns why (memberlist merges nothing either; its joiner fails).
    const refusal = this.judge(message.entries);
    if (refusal !== null) {
      this.stats.pushPullsRefused++;
      return encodeStream({ type: 'push-pull-refused', reason: refusal });
    }
    // The answer mirrors the request: a node that sent an envelope reads one; any other may predate them.
    const response = this.encodePushPull(false, enveloped);
    this.mergeRemoteState(from, message, now);
    return response;
  }

  /**
   * The answer to a stream this core asked for (`output.streams[].id`): response bytes, or null on failure.
   * `peerClosed`: the request was written and the peer closed the stream without an answer (rather than being
   * unreachable or timing out), which is how a node from before version-2 envelopes refuses one.
   */
  handleStreamResponse(id: number, bytes: Uint8Array | null, nowMs: number, peerClosed = false): void {
    const now = this.advanceTime(nowMs);
    const pending = this.pendingStreams.get(id);
    if (pending === undefined) return;
    this.pendingStreams.delete(id);
    if (bytes === null && peerClosed && pending.encoding === 'enveloped') {
      // Ask again in version 1 at once; a join's outcome is then the retry's.
      this.stats.envelopeRetries++;
      this.openStream('push-pull', pending.to, encodeStream(this.localState(pending.join)), 0, pending.join, now, {
        encoding: 'retry',
        member: pending.member,
      });
      return;
    }
    let message: ReturnType<typeof decodeStream> | null = null;
    if (bytes !== null) {
      try {
        message = decodeStream(bytes, this.config.streamSizeBytesMax);
      } catch (error) {
        if (!(error instanceof GossipDecodeError)) throw error;
        this.countMalformedStream(isStreamEnvelope(bytes));
      }
    }
    if (pending.kind === 'ping') {
      if (message?.type === 'ack' && message.seq === pending.seq) this.prober.onStreamAck(pending.seq);
      return;
    }
    let refusal: string | null = null;
    if (message?.type === 'push-pull-refused') refusal = message.reason;
    else if (message?.type === 'push-pull') {
      refusal = this.judge(message.entries);
      if (refusal === null) this.mergeRemoteState(pending.to, message, now);
      else this.stats.pushPullsRefused++;
    }
    const ok = message?.type === 'push-pull' && refusal === null;
    if (ok && pending.encoding === 'retry')
      this.envelopeRefusals.refused(pending.to, pending.member ?? this.memberAt(pending.to), now);
    if (pending.join) {
      this.outbox.current.joinResults.push(
        refusal === null ? { seed: pending.to, ok } : { seed: pending.to, ok: false, refusal },
      );
      if (ok) this.joinSyncAfterMs = now + this.config.probeIntervalMs;
    }
  }

  /** Runs everything due by `nowMs`: probe stages, suspicion deadlines, gossip and push-pull rounds. */
  tick(nowMs: number): void {
    const now = this.advanceTime(nowMs);
    if (this.wakeupRequestedMs !== null && now - this.wakeupRequestedMs > this.config.probeTimeoutMs) {
      // Woken far later than asked: this node was stalled (GC pause, starved of CPU), and the packets that arrived
      // meanwhile — refutations, acks — are still unread. Give them a probe timeout before acting on deadlines
      // that ran out during the stall, so a slow node does not accuse healthy peers (Lifeguard's spirit).
      this.stats.stalls++;
      const graceUntilMs = now + this.config.probeTimeoutMs;
      this.state.extendSuspicionDeadlines(graceUntilMs);
      this.prober.extendDeadline(graceUntilMs);
    }
    this.wakeupRequestedMs = null;
    this.state.expireSuspicions(now);
    this.prober.tick(now);
    if (now >= this.nextGossipMs) {
      this.gossip();
      this.nextGossipMs = now + this.config.gossipIntervalMs;
    }
    if (now >= this.joinSyncAfterMs && this.joinSyncDue(now)) {
      this.joinSyncAfterMs = Number.POSITIVE_INFINITY;
      if (!this.state.leaving) this.pushPull(now);
    }
    if (now >= this.nextPushPullMs) {
      if (!this.state.leaving) this.pushPull(now);
      this.nextPushPullMs = now + pushPullIntervalMs(this.config.pushPullIntervalMs, this.state.table.liveCount);
    }
    if (this.pendingStreams.size > PENDING_STREAMS_SWEEP_SIZE) this.sweepStreams(now);
  }

  /** Asks each seed address for a push-pull state exchange; results arrive as `output.joinResults`. */
  join(seeds: readonly string[], nowMs: number): void {
    const now = this.advanceTime(nowMs);
    for (const seed of seeds) {
      if (seed === this.state.self.address) continue;
      this.openPushPull(seed, null, true, now);
    }
  }

  /**
   * Graceful leave: broadcasts this node's own death (seen by others as `left`), stops probing and push-pull, and
   * keeps gossiping so the news spreads. Poll `leaveBroadcastDone()` before shutting the driver down.
   */
  leave(nowMs: number): void {
    this.state.leave(this.advanceTime(nowMs));
  }

  /** After `leave`: the leave message has been sent its full retransmit count (or nobody is left to tell). */
  leaveBroadcastDone(): boolean {
    if (!this.state.leaving) return false;
    return !this.queue.has(this.state.self.name) || this.state.table.liveCount === 0;
  }

  /**
   * Queues an opaque payload (a Serf event, query or response) to piggy-back on gossip. It is sent
   * `retransmitLimitFixed` times, or by the pool-size formula when 0. Receivers see it once per copy in
   * `output.userPayloads`; de-duplication and re-broadcast are the caller's (as Serf does with Lamport times).
   */
  broadcastUser(payload: Uint8Array, retransmitLimitFixed = 0): void {
    const frame = encodeFramed({ type: 'user', payload });
    if (frame.length > this.config.packetSizeBytesMax - 1)
      throw new ValidationError(
        `user payload of ${payload.length} bytes does not fit a ${this.config.packetSizeBytesMax}-byte packet`,
      );
    this.queue.enqueue(null, frame, retransmitLimitFixed);
  }

  /** New meta (Serf tags) for this node, spread with a higher incarnation. */
  setLocalMeta(meta: Uint8Array, nowMs: number): void {
    if (meta.length > META_SIZE_BYTES_MAX)
      throw new ValidationError(`meta of ${meta.length} bytes is above ${META_SIZE_BYTES_MAX}`);
    this.state.setLocalMeta(meta, this.advanceTime(nowMs));
  }

  /** Bytes this node attaches to every ack (Serf's Vivaldi coordinate); arrives as `rtts[].payload`. */
  setAckPayload(payload: Uint8Array): void {
    assert(payload.length <= 1_024, 'ack payload must be at most 1024 bytes');
    this.ackPayload = payload;
  }

  /** Opaque state of the layer above sent with every push-pull; arrives as `remoteUserStates` on the other side. */
  setUserState(userState: Uint8Array): void {
    this.userState = userState;
  }

  // --- outputs ---------------------------------------------------------------------------------------------------

  /** Everything produced since the last call; the core starts a fresh output. */
  takeOutput(): GossipOutput {
    const output = this.outbox.current;
    this.outbox.current = emptyOutput();
    return output;
  }

  /** When `tick` should next run, or null when nothing is scheduled. */
  nextWakeupMs(): number | null {
    let wakeup = Math.min(this.prober.nextWakeupMs(), this.nextGossipMs, this.nextPushPullMs);
    // Once due, the join sync waits for the queue to drain, which gossip rounds (already scheduled) bring about.
    if (this.joinSyncAfterMs > this.lastNowMs && this.joinSyncAfterMs < wakeup) wakeup = this.joinSyncAfterMs;
    const suspicionMs = this.state.nextSuspicionDeadlineMs();
    if (suspicionMs < wakeup) wakeup = suspicionMs;
    this.wakeupRequestedMs = Number.isFinite(wakeup) ? Math.max(wakeup, this.lastNowMs) : null;
    return this.wakeupRequestedMs;
  }

  // --- reads -----------------------------------------------------------------------------------------------------

  get name(): string {
    return this.state.self.name;
  }

  get incarnation(): number {
    return this.state.self.incarnation;
  }

  get awarenessScore(): number {
    return this.awareness.score;
  }

  /** Alive plus suspect members, this node included. */
  get liveCount(): number {
    return this.state.table.liveCount;
  }

  get broadcastsQueued(): number {
    return this.queue.size;
  }

  get broadcastsDropped(): number {
    return this.queue.dropped;
  }

  member(name: string): Member | undefined {
    const record = this.state.table.get(name);
    return record === undefined ? undefined : snapshot(record);
  }

  /** The state of `name` without copying, for hot loops in tests and the simulator. */
  memberState(name: string): Member['state'] | undefined {
    return this.state.table.get(name)?.state;
  }

  members(): Member[] {
    return Array.from(this.state.table.all(), snapshot);
  }

  // --- internals (ProbeHost) -------------------------------------------------------------------------------------

  /**
   * Sends `message` to the address `to` now, with as many queued broadcasts piggy-backed as fit (Serf sends query
   * responses as direct `user` messages this way). Throws ValidationError if it cannot fit one packet.
   */
  sendMessage(to: string, message: PacketMessage): void {
    const frame = encodeFramed(message);
    if (frame.length > this.config.packetSizeBytesMax - 1)
      throw new ValidationError(`a ${message.type} message of ${frame.length} bytes does not fit one packet`);
    const packet = this.packet;
    packet.reset();
    packet.add(frame, 0, frame.length);
    const limit = retransmitLimit(this.config.retransmitMultiplier, this.state.table.liveCount);
    this.queue.take(packet, this.config.packetSizeBytesMax - 1 - frame.length, limit);
    this.emitPacket(to, packet.finish());
  }

  openStreamPing(target: MemberRecord, seq: number, nowMs: number): void {
    const bytes = encodeStream({
      type: 'ping',
      seq,
      target: target.name,
      sourceName: this.state.self.name,
      sourceAddress: this.state.self.address,
    });
    this.openStream('ping', target.address, bytes, seq, false, nowMs, NO_ENVELOPE);
  }

  private handleMessage(from: string, message: PacketMessage, now: number): void {
    switch (message.type) {
      case 'ping':
        if (message.target !== this.state.self.name) {
          this.stats.messagesIgnored++;
          return;
        }
        this.sendMessage(from, { type: 'ack', seq: message.seq, payload: this.ackPayload });
        return;
      case 'indirect-ping':
        this.prober.onIndirectPing(message, from, now);
        return;
      case 'ack':
        this.prober.onAck(message, from, now);
        return;
      case 'nack':
        this.prober.onNack(message.seq);
        return;
      case 'suspect':
        this.state.onSuspect(message, now);
        return;
      case 'alive':
        // Judged only when it carries news: a repeat of what we hold changes nothing, and the delegate (Consul's
        // checks read the whole member list) would otherwise run for every copy of every broadcast.
        if (message.node !== this.state.self.name && this.mergeDelegate !== null && !this.state.isOldNews(message)) {
          const candidate: MergeCandidate = {
            name: message.node,
            address: message.address,
            meta: message.meta,
            incarnation: message.incarnation,
            state: 'alive',
          };
          if (this.mergeDelegate([candidate]) !== null) {
            this.stats.alivesRefused++;
            return;
          }
        }
        this.state.onAlive(message, now);
        return;
      case 'dead':
        this.state.onDead(message, now);
        return;
      case 'user':
        this.outbox.current.userPayloads.push({ from, payload: message.payload });
        return;
    }
  }

  private gossip(): void {
    if (this.queue.size === 0) return;
    const targets = this.gossipTargets;
    targets.length = 0;
    this.state.table.pickRandom(this.config.gossipNodes, this.acceptGossipTarget, this.rand, targets);
    const limit = retransmitLimit(this.config.retransmitMultiplier, this.state.table.liveCount);
    const packet = this.packet;
    for (const target of targets) {
      packet.reset();
      if (this.queue.take(packet, this.config.packetSizeBytesMax - 1, limit) === 0) break;
      this.emitPacket(target.address, packet.finish());
    }
    targets.length = 0;
  }

  private joinSyncDue(now: number): boolean {
    const latestMs = this.joinSyncAfterMs + (JOIN_SYNC_WAIT_INTERVALS - 1) * this.config.probeIntervalMs;
    return this.queue.size === 0 || now >= latestMs;
  }

  private pushPull(now: number): void {
    const targets = this.gossipTargets;
    targets.length = 0;
    this.state.table.pickRandom(1, this.acceptPushPullTarget, this.rand, targets);
    const target = targets[0];
    targets.length = 0;
    if (target === undefined) return;
    this.openPushPull(target.address, target, false, now);
  }

  private localState(join: boolean): PushPullMessage {
    return localState(this.state, this.queue, join, this.userState);
  }

  /** This node's state as a stream body: in a version-2 envelope when asked and compression is on. */
  private encodePushPull(join: boolean, envelope: boolean): Uint8Array {
    const plain = encodeStream(this.localState(join));
    if (!envelope || this.config.streamCompressionLevel === 0) return plain;
    this.stats.pushPullsEnveloped++;
    return sealStreamEnvelope(plain, this.config.streamCompressionLevel);
  }

  /** A push-pull request, enveloped unless compression is off or the peer is known to refuse envelopes. */
  private openPushPull(to: string, member: MemberRecord | null, join: boolean, now: number): void {
    const envelope = this.config.streamCompressionLevel > 0 && this.envelopeRefusals.accepts(to, member, now);
    this.openStream('push-pull', to, this.encodePushPull(join, envelope), 0, join, now, {
      encoding: envelope ? 'enveloped' : 'plain',
      member,
    });
  }

  /** The member at `address`, for a seed that refused an envelope (rare: a scan is cheaper than an index). */
  private memberAt(address: string): MemberRecord | null {
    for (const record of this.state.table.all()) if (record.address === address) return record;
    return null;
  }

  private countMalformedStream(enveloped: boolean): void {
    this.stats.streamsMalformed++;
    if (enveloped) this.stats.envelopesRefused++;
  }

  /** The merge delegate's verdict on members about to merge: null accepts, else the refusal reason. */
  private judge(members: readonly MergeCandidate[]): string | null {
    return this.mergeDelegate === null ? null : this.mergeDelegate(members);
  }

  private mergeRemoteState(from: string, message: PushPullMessage, now: number): void {
    mergeRemoteState(this.state, message, now);
    this.outbox.current.remoteUserStates.push({ from, join: message.join, userState: message.userState });
  }

  private openStream(
    kind: StreamKind,
    to: string,
    bytes: Uint8Array,
    seq: number,
    join: boolean,
    now: number,
    request: Pick<PendingStream, 'encoding' | 'member'>,
  ): void {
    this.streamId = this.streamId >= Number.MAX_SAFE_INTEGER ? 1 : this.streamId + 1;
    const deadlineMs = now + this.config.streamTimeoutMs;
    this.pendingStreams.set(this.streamId, { kind, to, seq, join, deadlineMs, ...request });
    this.outbox.current.streams.push({ id: this.streamId, kind, to, bytes, deadlineMs });
  }

  private sweepStreams(now: number): void {
    // A driver that never answers must not grow the table: forget streams long past their deadline.
    for (const [id, pending] of this.pendingStreams)
      if (now > pending.deadlineMs + this.config.streamTimeoutMs) this.pendingStreams.delete(id);
  }

  private emitPacket(to: string, bytes: Uint8Array): void {
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes.length;
    this.outbox.current.packets.push({ to, bytes });
  }

  private advanceTime(nowMs: number): number {
    assert(Number.isFinite(nowMs), 'nowMs must be a finite number');
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    return this.lastNowMs;
  }
}

function checkSelf(self: GossipSelf): void {
  const encoder = new TextEncoder();
  if (self.name.length === 0 || encoder.encode(self.name).length > NAME_SIZE_BYTES_MAX)
    throw new ValidationError(`node name must be 1..${NAME_SIZE_BYTES_MAX} bytes`);
  if (self.address.length === 0 || encoder.encode(self.address).length > NAME_SIZE_BYTES_MAX)
    throw new ValidationError(`node address must be 1..${NAME_SIZE_BYTES_MAX} bytes`);
  if ((self.meta?.length ?? 0) > META_SIZE_BYTES_MAX)
    throw new ValidationError(`meta must be at most ${META_SIZE_BYTES_MAX} bytes`);
}
