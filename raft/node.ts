// RaftNode: the public face of one Raft server. propose() resolves { index, response } after commit and apply,
// and rejects with NotLeaderError (leader hint), LeadershipLostError, ShutdownError or an abort, and besides only
// with RaftOverloadedError (too many waiting) or RaftRejectedError (the core refused, e.g. a second membership
// change while one is pending); read() and
// barrier() give linearizable reads; membership changes go one server at a time. The Ready loop lives in the
// driver; this file keeps the promises waiting on it, each collection bounded.

import { assert } from '../lib/assert.js';
import { TypedEmitter } from '../lib/emitter.js';
import { abortReason, LatticeError, ShutdownError, TimeoutError } from '../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable, throwIfAborted } from '../lib/lifecycle.js';
import type { ReadState, Role, SoftState } from './core/raw-node.js';
import type { ConfChange, Entry, NodeId } from './core/types.js';
import { type RaftComponents, RaftDriver } from './driver.js';
import { LeadershipLostError, NotLeaderError } from './errors.js';
import { type RaftNodeConfig, type RaftNodeInit, validateRaftNodeConfig } from './node-config.js';

export type RaftEvents = {
  'leader-change': { leaderId: NodeId | null; term: number };
  'role-change': { role: Role };
  /** The node stopped on an unrecoverable error (storage failure, corruption). */
  fatal: { error: unknown };
};

export interface ProposeResponse {
  readonly index: number;
  readonly response: unknown;
}

/** Proposals and reads waiting at once: past this, callers get a clear refusal instead of unbounded memory. */
export const pendingOperationsMax = 65_536;

export class RaftOverloadedError extends LatticeError {
  override readonly name = 'RaftOverloadedError';
  constructor() {
    super('ERR_RAFT_OVERLOADED', `more than ${pendingOperationsMax} raft operations are waiting`);
  }
}

export class RaftRejectedError extends LatticeError {
  override readonly name = 'RaftRejectedError';
  constructor(reason: string) {
    super('ERR_RAFT_REJECTED', reason);
  }
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface PendingProposal extends Waiter<ProposeResponse> {
  readonly term: number;
}

interface PendingRead extends Waiter<number> {
  /** Set once the leader confirmed the read point; resolved when applied reaches it. */
  index: number | null;
}

export interface RaftStats {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leaderId: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotsTaken: number;
  readonly snapshotsInstalled: number;
  readonly voters: readonly NodeId[];
  readonly nonvoters: readonly NodeId[];
  readonly pendingProposals: number;
  readonly pendingReads: number;
  readonly transport: ReturnType<RaftComponents['transport']['stats']>;
  readonly marks: Readonly<Record<string, number>>;
}

export interface RaftConfiguration {
  readonly voters: readonly NodeId[];
  readonly nonvoters: readonly NodeId[];
  readonly addresses: Readonly<Record<NodeId, string>>;
}

export class RaftNode implements Startable {
  readonly config: RaftNodeConfig;
  private readonly events: TypedEmitter<RaftEvents>;
  private readonly driver: RaftDriver;
  private readonly lifecycle = new LifecycleState();
  private readonly proposals = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  private role: Role = 'follower';
  private leader: NodeId | null = null;
  private failure: unknown = null;
  private readSequence = 0;
  /** Keeps read contexts unique across restarts, so a late answer to a previous life's read matches nothing. */
  private readonly readNonce: number;

  constructor(
    private readonly components: RaftComponents,
    init: RaftNodeInit,
  ) {
    this.config = validateRaftNodeConfig(init);
    this.readNonce = components.rand.intBelow(0x7fff_ffff);
    this.events = new TypedEmitter((error, name) =>
      components.log.error({ err: error, event: String(name) }, 'a raft event listener threw'),
    );
    this.driver = new RaftDriver(components, this.config, {
      applied: (entry, response) => this.onApplied(entry, response),
      readStates: (states) => this.onReadStates(states),
      softState: (state, term) => this.onSoftState(state, term),
      failed: (error) => this.onFailed(error),
    });
  }

  on<K extends keyof RaftEvents>(name: K, listener: (detail: RaftEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  async start(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    await this.lifecycle.start(() => this.driver.start());
  }

  async stop(): Promise<void> {
    await this.lifecycle.stop(async () => {
      await this.driver.stop();
      this.rejectAll(new ShutdownError('raft node stopped'));
    });
  }

  get id(): NodeId {
    return this.config.id;
  }

  isLeader(): boolean {
    return this.role === 'leader';
  }

  leaderId(): NodeId | null {
    return this.leader;
  }

  /** The Raft address of the current leader, if known. */
  leaderAddress(): string | null {
    if (this.leader === null) return null;
    return this.driver.rawNode.status().addresses[this.leader] ?? null;
  }

  /** Appends `command`; resolves once it is committed and applied here, with the FSM's response. */
  propose(command: Uint8Array, options: AbortOptions = {}): Promise<ProposeResponse> {
    return this.submit(() => this.driver.rawNode.propose(command), options);
  }

  /** Resolves once every entry before it is applied here (an empty entry through the log). */
  async barrier(options: AbortOptions = {}): Promise<number> {
    return (await this.propose(new Uint8Array(0), options)).index;
  }

  /**
   * A linearizable read point (ReadIndex): resolves with an index once this server has applied it and the
   * leader confirmed it still leads; the caller then reads its FSM.
   */
  read(options: AbortOptions = {}): Promise<number> {
    const early = this.refuse(options);
    if (early) return Promise.reject(early);
    const key = `${this.config.id}:${this.readNonce}:${++this.readSequence}`;
    return this.wait<number>(options, (waiter) => {
      const pending: PendingRead = { ...waiter, index: null };
      this.reads.set(key, pending);
      const result = this.driver.rawNode.readIndex(new TextEncoder().encode(key));
      this.driver.notify();
      if (result === 'not-leader') {
        this.reads.delete(key);
        waiter.reject(this.notLeader());
      }
      return () => this.reads.delete(key);
    });
  }

  addVoter(id: NodeId, address: string, options: AbortOptions = {}): Promise<ProposeResponse> {
    return this.changeMembership({ type: 'add-voter', nodeId: id, address }, options);
  }

  addNonvoter(id: NodeId, address: string, options: AbortOptions = {}): Promise<ProposeResponse> {
    return this.changeMembership({ type: 'add-learner', nodeId: id, address }, options);
  }

  removeServer(id: NodeId, options: AbortOptions = {}): Promise<ProposeResponse> {
    return this.changeMembership({ type: 'remove', nodeId: id, address: '' }, options);
  }

  /** Hands leadership to `to` (or the most caught-up voter); resolves when another server leads. */
  async transferLeadership(to: NodeId | null = null, options: AbortOptions = {}): Promise<NodeId> {
    const early = this.refuse(options);
    if (early) throw early;
    const status = this.driver.rawNode.status();
    if (status.role !== 'leader') throw this.notLeader();
    const target = to ?? this.bestTransferTarget();
    if (target === null) throw new RaftRejectedError('no other voter to transfer leadership to');
    const result = this.driver.rawNode.transferLeadership(target);
    this.driver.notify();
    if (result === 'not-leader') throw this.notLeader();
    if (result === 'rejected') throw new RaftRejectedError(`leadership transfer to ${target} was rejected`);
    return new Promise<NodeId>((resolve, reject) => {
      const timer = this.components.clock.setTimer(this.config.transferTimeoutMs, () => {
        finish();
        reject(new TimeoutError(`leadership transfer to ${target} did not finish`));
      });
      const onAbort = (): void => {
        finish();
        reject(abortReason(options.signal as AbortSignal));
      };
      const unsubscribe = this.on('leader-change', ({ leaderId }) => {
        if (leaderId === null || leaderId === this.config.id) return;
        finish();
        resolve(leaderId);
      });
      const finish = (): void => {
        timer.cancel();
        unsubscribe();
        options.signal?.removeEventListener('abort', onAbort);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Takes a snapshot now when anything was applied since the last one (operators and tests). */
  snapshotNow(): Promise<boolean> {
    return this.driver.snapshotIfDue(true);
  }

  /** The membership as this node knows it: voters, non-voters and every member's address. */
  configuration(): RaftConfiguration {
    const status = this.driver.rawNode.status();
    return { voters: status.conf.voters, nonvoters: status.conf.learners, addresses: status.addresses };
  }

  /** On the leader: each member's replication progress (highest index known to match); empty elsewhere. */
  peerProgress(): Readonly<Record<NodeId, { readonly match: number; readonly recentActive: boolean }>> {
    const status = this.driver.rawNode.status();
    const progress: Record<NodeId, { match: number; recentActive: boolean }> = {};
    for (const [id, item] of Object.entries(status.progress))
      progress[id] = { match: item.match, recentActive: item.recentActive };
    return progress;
  }

  stats(): RaftStats {
    const status = this.driver.rawNode.status();
    const counts = this.driver.snapshotCounts();
    return {
      id: status.id,
      role: status.role,
      term: status.hardState.term,
      leaderId: status.leaderId,
      commitIndex: status.hardState.commit,
      appliedIndex: this.driver.appliedIndex,
      lastIndex: status.lastIndex,
      snapshotIndex: this.driver.snapshotIndex,
      snapshotsTaken: counts.taken,
      snapshotsInstalled: counts.installed,
      voters: status.conf.voters,
      nonvoters: status.conf.learners,
      pendingProposals: this.proposals.size,
      pendingReads: this.reads.size,
      transport: this.components.transport.stats(),
      marks: status.marks,
    };
  }

  private changeMembership(change: ConfChange, options: AbortOptions): Promise<ProposeResponse> {
    return this.submit(() => this.driver.rawNode.proposeConfChange(change), options);
  }

  private submit(
    propose: () => ReturnType<RaftDriver['rawNode']['propose']>,
    options: AbortOptions,
  ): Promise<ProposeResponse> {
    const early = this.refuse(options);
    if (early) return Promise.reject(early);
    return this.wait<ProposeResponse>(options, (waiter) => {
      const result = propose();
      this.driver.notify();
      switch (result.kind) {
        case 'accepted':
          assert(!this.proposals.has(result.index), `two proposals at index ${result.index}`);
          this.proposals.set(result.index, { ...waiter, term: result.term });
          return () => this.proposals.delete(result.index);
        case 'not-leader':
          waiter.reject(this.notLeader());
          return () => undefined;
        case 'transferring':
          waiter.reject(new LeadershipLostError(`leadership is being transferred to ${result.leaderId}`));
          return () => undefined;
        case 'rejected':
          waiter.reject(new RaftRejectedError(result.reason));
          return () => undefined;
      }
    });
  }

  /** Runs `register`, settling through the waiter; an abort rejects and unregisters. */
  private wait<T>(options: AbortOptions, register: (waiter: Waiter<T>) => () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const signal = options.signal;
      let unregister: () => void = () => undefined;
      const onAbort = (): void => {
        unregister();
        reject(abortReason(signal as AbortSignal));
      };
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      unregister = register({
        resolve: (value) => {
          settle();
          resolve(value);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private refuse(options: AbortOptions): LatticeError | null {
    if (options.signal?.aborted) return abortReason(options.signal);
    if (this.failure !== null) return new ShutdownError('raft node failed', { cause: this.failure });
    if (!this.lifecycle.isRunning()) return new ShutdownError('raft node is not running');
    if (this.proposals.size + this.reads.size >= pendingOperationsMax) return new RaftOverloadedError();
    return null;
  }

  private notLeader(): NotLeaderError {
    return new NotLeaderError(this.leaderAddress(), this.leader);
  }

  private bestTransferTarget(): NodeId | null {
    const status = this.driver.rawNode.status();
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of status.conf.voters) {
      const progress = status.progress[id];
      if (id === this.config.id || !progress || progress.match <= bestMatch) continue;
      best = id;
      bestMatch = progress.match;
    }
    return best;
  }

  private onApplied(entry: Entry, response: unknown): void {
    const pending = this.proposals.get(entry.index);
    if (pending) {
      this.proposals.delete(entry.index);
      if (pending.term === entry.term) pending.resolve({ index: entry.index, response });
      else pending.reject(new LeadershipLostError('the proposal was replaced by another leader'));
    }
    this.resolveReads();
  }

  private onReadStates(states: readonly ReadState[]): void {
    for (const state of states) {
      const pending = this.reads.get(new TextDecoder().decode(state.context));
      if (pending) pending.index = state.index;
    }
    this.resolveReads();
  }

  private resolveReads(): void {
    const applied = this.driver.appliedIndex;
    for (const [key, pending] of this.reads) {
      if (pending.index === null || pending.index > applied) continue;
      this.reads.delete(key);
      pending.resolve(pending.index);
    }
  }

  private onSoftState(state: SoftState, term: number): void {
    const wasLeader = this.role === 'leader';
    if (state.role !== this.role) {
      this.role = state.role;
      this.events.emit('role-change', { role: state.role });
    }
    const leaderChanged = state.leaderId !== this.leader;
    if (leaderChanged) {
      this.leader = state.leaderId;
      this.events.emit('leader-change', { leaderId: state.leaderId, term });
    }
    if (wasLeader && state.role !== 'leader') {
      // hashicorp/raft: a deposed leader cannot know the fate of what it proposed.
      this.rejectAll(new LeadershipLostError());
    } else if (leaderChanged) {
      // Reads forwarded to the old leader will not be answered.
      this.rejectReads(new LeadershipLostError('the leader changed while the read was in flight'));
    }
  }

  private onFailed(error: unknown): void {
    this.failure = error;
    this.rejectAll(new ShutdownError('raft node failed', { cause: error }));
    this.events.emit('fatal', { error });
  }

  private rejectAll(error: unknown): void {
    for (const pending of this.proposals.values()) pending.reject(error);
    this.proposals.clear();
    this.rejectReads(error);
  }

  private rejectReads(error: unknown): void {
    for (const pending of this.reads.values()) pending.reject(error);
    this.reads.clear();
  }
}
