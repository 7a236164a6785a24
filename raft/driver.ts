// The driver: wires the pure core (RawNode) to storage, transport, FSM and a clock. One loop handles each Ready
// in the order the core requires, asserted at every step: send a leader's appends, apply what is committed,
// persist (snapshot, entries, hard state), then send the rest, then advance. While a Ready is being persisted,
// appends for proposals made meanwhile leave at once (one batch per event-loop turn), so a leader's disk write
// overlaps the followers' (Raft thesis §10.2.1), and entries that commit meanwhile are applied at once, so their
// answers do not wait for that write. It owns the only timers of the node: the tick and the snapshot check.

import { assert } from '../lib/assert.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Rand } from '../lib/rand.js';
import { coalesceMessages, mergeMessages } from './coalesce.js';
import type { MemoryLogStorage } from './core/log-storage.js';
import { RawNode, type ReadState, type Ready, type SoftState } from './core/raw-node.js';
import type { Entry, HardState, NodeId, RaftMessage, SnapshotMeta } from './core/types.js';
import { CorruptSnapshotError } from './errors.js';
import type { Fsm } from './fsm.js';
import type { RaftNodeConfig } from './node-config.js';
import { recoverFromPeersJson } from './peers-json.js';
import { recoverState } from './recovery.js';
import { SnapshotShipper } from './snapshot-shipper.js';
import type { LogStore } from './storage/log-store.js';
import type { SnapshotStore } from './storage/snapshot-store.js';
import type { StableStore } from './storage/stable-store.js';
import type { RaftTransport } from './transport/transport.js';

export interface RaftComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly logStore: LogStore;
  readonly stableStore: StableStore;
  readonly snapshotStore: SnapshotStore;
  readonly transport: RaftTransport;
  readonly fsm: Fsm;
}

/** What the driver reports upward (to RaftNode), always from inside the loop, in log order. */
export interface DriverListener {
  applied(entry: Entry, response: unknown): void;
  readStates(states: readonly ReadState[]): void;
  softState(state: SoftState, term: number): void;
  /** The loop stopped on an error it cannot handle (a storage failure); the node must stop. */
  failed(error: unknown): void;
}

/** How often a commit-only hard-state change is written: often enough that a restart replays little. */
const commitPersistIntervalMs = 1000;

/**
 * How long an append without entries (a commit index broadcast, a caught-up probe) waits for the next append to the
 * same peer, which carries the commit index anyway: with one client, each write's commit rides on the next write's
 * append instead of costing a message and an acknowledgement of its own. Far below Consul's CommitTimeout (50 ms),
 * after which hashicorp/raft tells an idle follower what committed.
 */
export const commitOnlyHoldMs = 5;

type Phase = 'idle' | 'persisting' | 'persisted' | 'sent';

/**
 * Resolves in the check phase of this event-loop turn, after the transport's writes of the turn left: Node's
 * HTTP/2 session (the gRPC transport) sends what was written during a turn from a native immediate, which runs
 * before the JavaScript immediates. Starting the leader's log write there (a LevelDB batch is built and handed
 * over synchronously, and an fsync on the same disk as the followers' competes with theirs) instead of between
 * the send and that flush measured ~90 µs less from a leader's send to a follower's receipt with one client.
 */
function afterTransportFlush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class RaftDriver {
  private node: RawNode | null = null;
  private storage: MemoryLogStorage | null = null;
  private shipper: SnapshotShipper;
  private wake: (() => void) | null = null;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private tickTimer: Timer | null = null;
  /** When the next tick is due: ticks keep a fixed schedule, so timer lateness does not stretch timeouts. */
  private nextTickAtMs = 0;
  private snapshotTimer: Timer | null = null;
  private snapshotInFlight = false;
  private phase: Phase = 'idle';
  private appliedIndexValue = 0;
  private snapshotIndexValue = 0;
  private snapshotsTakenCount = 0;
  private snapshotsInstalledCount = 0;
  private readonly unsubscribes: (() => void)[] = [];
  private knownPeers = new Set<NodeId>();
  private persistedHardState: HardState | null = null;
  private commitPersistedAtMs = Number.NEGATIVE_INFINITY;
  /** A send of the leader's new appends is scheduled for the end of this event-loop turn. */
  private earlySendScheduled = false;
  /** Appends without entries waiting (at most commitOnlyHoldMs) to ride on the next message to their peer. */
  private readonly heldAppends = new Map<NodeId, RaftMessage>();
  private heldTimer: Timer | null = null;

  constructor(
    private readonly components: RaftComponents,
    private readonly config: RaftNodeConfig,
    private readonly listener: DriverListener,
  ) {
    this.shipper = new SnapshotShipper(components, (to, outcome) => {
      this.node?.reportSnapshot(to, outcome);
      this.notify();
    });
  }

  /** The core, for RaftNode's proposals and queries; call notify() after feeding it. */
  get rawNode(): RawNode {
    assert(this.node !== null, 'driver not started');
    return this.node;
  }

  get appliedIndex(): number {
    return this.appliedIndexValue;
  }

  get snapshotIndex(): number {
    return this.snapshotIndexValue;
  }

  snapshotCounts(): { taken: number; installed: number } {
    return { taken: this.snapshotsTakenCount, installed: this.snapshotsInstalledCount };
  }

  async start(): Promise<void> {
    const { transport, log } = this.components;
    if (this.config.raftDir !== null)
      await recoverFromPeersJson(this.config.raftDir, this.components, this.components.fsm, log);
    const recovered = await recoverState(this.components, this.components.fsm, this.config, log);
    this.storage = recovered.storage;
    this.persistedHardState = recovered.hardState;
    this.appliedIndexValue = recovered.appliedIndex;
    this.snapshotIndexValue = recovered.snapshot?.index ?? 0;
    this.node = new RawNode({
      id: this.config.id,
      config: this.config.core,
      rand: this.components.rand,
      storage: recovered.storage,
      hardState: recovered.hardState,
      appliedIndex: recovered.appliedIndex,
    });
    log.info(
      {
        snapshotIndex: this.snapshotIndexValue,
        lastIndex: recovered.storage.lastIndex(),
        term: recovered.hardState.term,
      },
      'raft state recovered',
    );
    this.unsubscribes.push(
      transport.onMessage((message) => {
        if (this.stopping) return;
        this.rawNode.step(message);
        this.notify();
      }),
      transport.onSnapshot((incoming, options) => this.shipper.receive(incoming, options)),
    );
    await transport.start();
    this.updatePeers();
    this.nextTickAtMs = this.components.clock.nowMs() + this.config.tickMs;
    this.armTick();
    this.armSnapshotCheck();
    this.loopDone = this.loop();
  }

  /** Ends the loop after the Ready in hand, then stops the transport; safe to call twice or after a failure. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.tickTimer?.cancel();
      this.snapshotTimer?.cancel();
      this.heldTimer?.cancel();
      this.notify();
      await this.loopDone;
      this.shipper.stop();
      for (const unsubscribe of this.unsubscribes) unsubscribe();
      await this.components.transport.stop();
    })();
    return this.stopped;
  }

  /** Wakes the loop after the core was fed (a proposal, a step, a tick). */
  notify(): void {
    const wake = this.wake;
    this.wake = null;
    if (wake) {
      wake();
      return;
    }
    // The loop is busy persisting: appends need not wait for that write, nor do entries that commit meanwhile
    // (acknowledged by a quorum). setImmediate gathers every proposal and acknowledgement of this I/O turn into
    // one message per follower and one run of applies.
    if (this.phase === 'persisting' && !this.earlySendScheduled) {
      this.earlySendScheduled = true;
      setImmediate(() => this.duringPersist());
    }
  }

  /** What may happen while a Ready is being written: send a leader's new appends, apply newly committed entries. */
  private duringPersist(): void {
    this.earlySendScheduled = false;
    if (this.stopping || this.node === null) return;
    this.sendMessages(this.node.takeLeaderMessages());
    // Only while the Ready in hand is being written: its own committed entries were applied before (a Ready that
    // installs a snapshot applies after its write, and then the core hands out nothing here).
    if (this.phase === 'persisting') this.apply(this.node.takeCommittedEntries());
  }

  /** Takes a snapshot now if one is due (also runs on the interval timer); true once one was stored. */
  async snapshotIfDue(force = false): Promise<boolean> {
    if (this.snapshotInFlight || this.node === null) return false;
    const dueCount = this.appliedIndexValue - this.snapshotIndexValue;
    if (dueCount <= 0 || (!force && dueCount < this.config.snapshotThreshold)) return false;
    this.snapshotInFlight = true;
    try {
      return await this.takeSnapshot();
    } finally {
      this.snapshotInFlight = false;
    }
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopping) {
        const node = this.rawNode;
        if (!node.hasReady()) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          continue;
        }
        await this.handleReady(node.ready());
      }
    } catch (error) {
      this.components.log.error({ err: error }, 'raft loop failed; the node stops');
      this.stopping = true;
      this.tickTimer?.cancel();
      this.snapshotTimer?.cancel();
      this.listener.failed(error);
    }
  }

  private async handleReady(ready: Ready): Promise<void> {
    const { logStore } = this.components;
    const storage = this.storage as MemoryLogStorage;
    assert(this.phase === 'idle', `a Ready began in phase ${this.phase}`);
    // Committed entries are durable on a quorum already, so applying them (and answering their proposers) need
    // not wait for this node's write, as etcd applies while it writes; after a snapshot install it must.
    const applyFirst = ready.snapshot === null;
    // 0. A leader's appends and heartbeats promise nothing about this disk: they go before the write. Appends
    // that carry entries go at once (the followers' writes are the long pole); when none does (a commit index
    // broadcast, heartbeats), they wait until the answers below are on their way.
    const carriesEntries = ready.leaderMessages.some((message) => message.entries.length > 0);
    if (carriesEntries || !applyFirst) this.sendMessages(ready.leaderMessages);
    // 1. Persist: what the messages below may promise must be on disk first. The entries' write starts before
    // the applying, so the disk works while the FSM does (with a snapshot to install, everything waits for it).
    // A leader that just sent them starts its own write a turn later (afterTransportFlush): the followers' writes
    // are the long pole, and the appends reach them sooner when this turn ends at once.
    let entriesWritten: Promise<void> | null = null;
    if (applyFirst) {
      if (ready.entries.length > 0)
        entriesWritten = carriesEntries
          ? afterTransportFlush().then(() => logStore.storeEntries(ready.entries))
          : logStore.storeEntries(ready.entries);
      this.applyReady(ready);
      if (!carriesEntries) this.sendMessages(ready.leaderMessages);
    }
    this.phase = 'persisting';
    if (ready.snapshot !== null) await this.installSnapshot(ready.snapshot);
    // Entries before hard state: the commit index written must never point past the durable log, or a crash in
    // between would make recovery report a lost tail (recovery.ts treats commit > last index as corruption).
    if (ready.entries.length > 0) await (entriesWritten ?? logStore.storeEntries(ready.entries));
    if (ready.hardState !== null) await this.persistHardState(ready.hardState);
    storage.append(ready.entries);
    if (ready.snapshot !== null || ready.entries.some((entry) => entry.type === 'conf-change')) this.updatePeers();
    this.phase = 'persisted';
    // 2. Send.
    assert(this.phase === 'persisted', 'messages may leave only after the Ready is persisted');
    this.sendMessages(ready.messages);
    this.phase = 'sent';
    // 3. Apply, if not done above.
    if (!applyFirst) this.applyReady(ready);
    if (ready.softState !== null) this.listener.softState(ready.softState, this.rawNode.term);
    // 4. Advance.
    assert(this.phase === 'sent', 'advance only after persisting and sending');
    this.rawNode.advance(ready);
    this.phase = 'idle';
  }

  private applyReady(ready: Ready): void {
    this.apply(ready.committedEntries);
    if (ready.readStates.length > 0) this.listener.readStates(ready.readStates);
  }

  private sendMessages(messages: readonly RaftMessage[]): void {
    if (messages.length === 0) return;
    for (const message of coalesceMessages(messages)) {
      const held = this.heldAppends.get(message.to);
      if (message.type === 'append' && message.entries.length === 0) {
        // Held, merged into what is already held for the peer (a newer commit index supersedes an older one).
        const merged = held === undefined ? message : mergeMessages(held, message);
        if (held !== undefined && merged === null) this.transmit(held);
        this.heldAppends.set(message.to, merged ?? message);
        this.heldTimer ??= this.components.clock.setTimer(commitOnlyHoldMs, () => this.releaseHeld());
        continue;
      }
      if (held === undefined) {
        this.transmit(message);
        continue;
      }
      // The held append goes with (or, when they cannot merge, before) the next message to its peer: order kept.
      this.heldAppends.delete(message.to);
      const merged = mergeMessages(held, message);
      if (merged === null) this.transmit(held);
      this.transmit(merged ?? message);
    }
  }

  /** Sends the appends that waited commitOnlyHoldMs without a later message to carry them. */
  private releaseHeld(): void {
    this.heldTimer = null;
    if (this.stopping) return;
    const held = [...this.heldAppends.values()];
    this.heldAppends.clear();
    for (const message of held) this.transmit(message);
  }

  private transmit(message: RaftMessage): void {
    if (message.type === 'snapshot') this.shipper.ship(message);
    else if (!this.components.transport.send(message) && message.type === 'append')
      this.rawNode.reportUnreachable(message.to);
  }

  /**
   * Term and vote must be durable before any message that depends on them leaves. The commit index need not be
   * (a restart learns it again from the leader, as hashicorp/raft never stores it), so a commit-only change is
   * written at most once per commitPersistIntervalMs, unsynced, to shorten replay after a restart.
   */
  private persistHardState(state: HardState): Promise<void> {
    const previous = this.persistedHardState;
    const voteChanged = previous === null || previous.term !== state.term || previous.vote !== state.vote;
    const nowMs = this.components.clock.nowMs();
    if (!voteChanged && nowMs - this.commitPersistedAtMs < commitPersistIntervalMs) return Promise.resolve();
    this.persistedHardState = state;
    this.commitPersistedAtMs = nowMs;
    return this.components.stableStore.setHardState(state, { sync: voteChanged });
  }

  private apply(entries: readonly Entry[]): void {
    let membershipChanged = false;
    for (const entry of entries) {
      assert(entry.index === this.appliedIndexValue + 1, `applying ${entry.index} after ${this.appliedIndexValue}`);
      let response: unknown;
      if (entry.type === 'normal' && entry.data.byteLength > 0) response = this.components.fsm.apply(entry);
      if (entry.type === 'conf-change') membershipChanged = true;
      this.appliedIndexValue = entry.index;
      this.listener.applied(entry, response);
    }
    if (membershipChanged) this.updatePeers();
  }

  /** Installs a snapshot the leader streamed to us (already in the SnapshotStore): FSM, then log. */
  private async installSnapshot(meta: SnapshotMeta): Promise<void> {
    const { snapshotStore, logStore, fsm, log } = this.components;
    const stored = (await snapshotStore.list()).find(
      (snapshot) => snapshot.meta.index === meta.index && snapshot.meta.term === meta.term,
    );
    if (!stored) throw new CorruptSnapshotError(`snapshot ${meta.term}/${meta.index} to install is not stored`);
    const opened = await snapshotStore.open(stored.id);
    await fsm.restore(opened.chunks);
    if (logStore.lastIndex() >= logStore.firstIndex()) await logStore.truncateSuffix(logStore.firstIndex());
    await logStore.compact(meta.index);
    (this.storage as MemoryLogStorage).applySnapshot(meta);
    this.appliedIndexValue = meta.index;
    this.snapshotIndexValue = meta.index;
    this.snapshotsInstalledCount++;
    log.info({ index: meta.index, term: meta.term }, 'installed a snapshot from the leader');
  }

  /** Captures the FSM at the applied index (cheap, synchronous), persists it, then compacts the log. */
  private async takeSnapshot(): Promise<boolean> {
    const { snapshotStore, logStore, fsm, log } = this.components;
    const index = this.appliedIndexValue;
    // A leader's snapshot received while a Ready was being written replaced the log past the applied index; it
    // is installed by the next Ready, and the applied state is not worth saving meanwhile.
    if (this.rawNode.termAt(index) === null) return false;
    // Entries are applied once committed, possibly before this node's own write of them lands: a snapshot past
    // the durable log would leave a gap after it at the next start. Take it once they are on disk.
    if (index > (this.storage as MemoryLogStorage).lastIndex()) return false;
    const meta = this.rawNode.snapshotMetaAt(index);
    const captured = fsm.snapshot();
    const sink = await snapshotStore.create(meta);
    try {
      await captured.persist(sink);
      await sink.close();
    } catch (error) {
      await sink.cancel();
      throw error;
    } finally {
      captured.release();
    }
    const storage = this.storage as MemoryLogStorage;
    if (index <= (storage.snapshotMeta()?.index ?? 0)) return false; // a leader's snapshot was installed meanwhile
    storage.setSnapshot(meta);
    this.snapshotIndexValue = index;
    this.snapshotsTakenCount++;
    const compactTo = Math.min(index - this.config.trailingLogs, storage.lastIndex());
    if (compactTo >= storage.firstIndex()) {
      storage.compact(compactTo);
      await logStore.compact(compactTo);
    }
    log.info({ index, compactedTo: compactTo }, 'took a snapshot');
    return true;
  }

  /** Points the transport at every member the log names, and forgets removed ones. */
  private updatePeers(): void {
    const { transport } = this.components;
    const { addresses } = this.rawNode.status();
    for (const [id, address] of Object.entries(addresses)) transport.setPeer(id, address);
    for (const id of this.knownPeers) if (!(id in addresses)) transport.removePeer(id);
    this.knownPeers = new Set(Object.keys(addresses));
  }

  /**
   * Like Go's time.Ticker (etcd's tick source): each tick is due a fixed interval after the previous one was due,
   * not after it fired, so a loaded event loop does not lengthen every election timeout by its lateness; a tick
   * more than an interval late is dropped rather than delivered in a burst.
   */
  private armTick(): void {
    const { clock } = this.components;
    this.tickTimer = clock.setTimer(Math.max(0, this.nextTickAtMs - clock.nowMs()), () => {
      if (this.stopping) return;
      this.rawNode.tick();
      this.notify();
      const nowMs = clock.nowMs();
      this.nextTickAtMs += this.config.tickMs;
      if (this.nextTickAtMs <= nowMs) this.nextTickAtMs = nowMs + this.config.tickMs;
      this.armTick();
    });
  }

  private armSnapshotCheck(): void {
    this.snapshotTimer = this.components.clock.setTimer(this.config.snapshotIntervalMs, () => {
      if (this.stopping) return;
      this.snapshotIfDue().then(
        () => this.armSnapshotCheck(),
        (error: unknown) => {
          this.components.log.warn({ err: String(error) }, 'taking a snapshot failed; will retry');
          this.armSnapshotCheck();
        },
      );
    });
  }
}
