// The driver's handle on one Raft node (etcd rawnode.go): synchronous inputs (tick, step, propose) and one
// batch of output at a time (ready), acknowledged with advance. No timers, promises or I/O.
//
// The driver's duties for each Ready, in this order:
//   0. send `leaderMessages` (a leader's appends and heartbeats) at once: they promise nothing about this
//      node's disk, so the leader writes while the followers do (Raft thesis §10.2.1);
//   1. persist `snapshot` (install it: restore the FSM, replace the log), then `entries` (replacing any stored
//      entries from entries[0].index on), then `hardState` (its commit may point into those entries), all
//      synced when `mustSync`;
//   2. send `messages` (only now: they may promise what step 1 made durable);
//   3. apply `committedEntries` in index order, answer `readStates` once applied reaches their index (committed
//      entries are durable on a quorum, so this may come before step 1, unless the Ready installs a snapshot);
//   4. call advance(ready): this is how the core learns the entries are durable, and only then does a leader
//      count itself toward committing them.
// Steps and ticks may happen between ready() and advance(); a second ready() may not. While step 1 runs, the
// driver may send what takeLeaderMessages() returns (appends for proposals made meanwhile) without waiting, and
// apply what takeCommittedEntries() returns (entries that committed meanwhile), as etcd applies beside its WAL
// write: an answer then never waits for an unrelated fsync.

import { assert } from '../../lib/assert.js';
import type { Rand } from '../../lib/rand.js';
import type { RaftConfig } from './config.js';
import type { LogStorage } from './log-storage.js';
import { confStateOf, encodeConfChange } from './membership.js';
import { messageProblem } from './message-check.js';
import type { ProgressState } from './progress.js';
import { type ProposeResult, Raft, type ReadState, type Role, type TransferResult } from './raft.js';
import type { ConfChange, ConfState, Entry, HardState, NodeId, RaftMessage, SnapshotMeta } from './types.js';

export type { ProposeResult, ReadState, Role, TransferResult };

/** Who leads and in what role this node is: volatile, reported when it changes. */
export interface SoftState {
  readonly leaderId: NodeId | null;
  readonly role: Role;
}

export interface Ready {
  /** Set when leader or role changed since the last Ready. */
  readonly softState: SoftState | null;
  /** 1. persist with the entries, synced if mustSync; null when unchanged. */
  readonly hardState: HardState | null;
  /** A snapshot from the leader to install before the entries. */
  readonly snapshot: SnapshotMeta | null;
  readonly entries: readonly Entry[];
  readonly mustSync: boolean;
  /** 0. a leader's appends and heartbeats: send before (or while) persisting. */
  readonly leaderMessages: readonly RaftMessage[];
  /** 2. send once the above is durable. */
  readonly messages: readonly RaftMessage[];
  /** 3. apply in index order. */
  readonly committedEntries: readonly Entry[];
  /** Confirmed ReadIndex requests: serve each once the applied index reaches it. */
  readonly readStates: readonly ReadState[];
}

export interface RawNodeInit {
  readonly id: NodeId;
  readonly config: RaftConfig;
  readonly rand: Rand;
  /** The durable log as the driver restored it. */
  readonly storage: LogStorage;
  /** The durable hard state; a new node starts at term 0 with no vote. */
  readonly hardState?: HardState;
  /** The index the FSM has applied (its restored snapshot's); defaults to the storage's snapshot. */
  readonly appliedIndex?: number;
}

export interface ProgressStatus {
  readonly state: ProgressState;
  readonly match: number;
  readonly next: number;
  readonly isLearner: boolean;
  readonly recentActive: boolean;
  readonly inflightCount: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly leaderId: NodeId | null;
  readonly hardState: HardState;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly conf: ConfState;
  readonly addresses: Readonly<Record<NodeId, string>>;
  readonly leadTransferee: NodeId | null;
  /** Per follower, on a leader only. */
  readonly progress: Readonly<Record<NodeId, ProgressStatus>>;
  /** How often each notable path ran (dropped messages, rejected votes, role changes). */
  readonly marks: Readonly<Record<string, number>>;
}

const initialHardState: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

/** The entries that bootstrap a new cluster: one add-voter per member at term 1, already committed. */
export function bootstrapLog(members: readonly { id: NodeId; address: string }[]): {
  entries: Entry[];
  hardState: HardState;
} {
  assert(members.length > 0, 'a cluster needs at least one member');
  const entries = members.map(
    (member, position): Entry => ({
      index: position + 1,
      term: 1,
      type: 'conf-change',
      data: encodeConfChange({ type: 'add-voter', nodeId: member.id, address: member.address }),
    }),
  );
  return { entries, hardState: { term: 1, vote: null, commit: entries.length } };
}

/**
 * Whether `message` may leave before the Ready that produced it is persisted: a leader's append or heartbeat in
 * a term already on disk. Votes, vote requests and acknowledgements promise durable state and must wait; so
 * must anything in a term not yet synced (a restart could otherwise speak twice in one term).
 */
function mayLeaveBeforePersist(message: RaftMessage, durableTerm: number): boolean {
  return (message.type === 'append' || message.type === 'heartbeat') && message.term <= durableTerm;
}

function sameHardState(left: HardState, right: HardState): boolean {
  return left.term === right.term && left.vote === right.vote && left.commit === right.commit;
}

export class RawNode {
  private readonly raft: Raft;
  private previousSoftState: SoftState;
  private previousHardState: HardState;
  private handedOut: Ready | null = null;
  private readonly committedSizeBytesMax: number;
  /** The term of the newest hard state known to be on disk (handed out in a Ready that was advanced). */
  private durableTerm: number;

  constructor(init: RawNodeInit) {
    const hardState = init.hardState ?? initialHardState;
    const snapshotIndex = init.storage.firstIndex() - 1;
    this.raft = new Raft(init.config, init.rand, init.storage, {
      id: init.id,
      hardState,
      appliedIndex: init.appliedIndex ?? snapshotIndex,
    });
    this.previousSoftState = this.softState();
    this.previousHardState = this.raft.hardState();
    this.durableTerm = hardState.term;
    // Applying is bounded per Ready like sending, so one Ready never carries an unbounded batch.
    this.committedSizeBytesMax = init.config.messageSizeBytesMax * 8;
  }

  tick(): void {
    this.raft.tick();
  }

  /** Feeds a message from a peer; stale, misaddressed or unexpected ones are counted in marks, never thrown. */
  step(message: RaftMessage): void {
    if (messageProblem(message) !== null) {
      this.raft.mark('step.malformed');
      return;
    }
    if (message.type === 'read-index' && message.from === this.raft.id) {
      this.raft.mark('step.local-read-index-from-network');
      return;
    }
    this.raft.step(message);
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }

  /** One server at a time; refused while the previous change (or the new term's first entry) is uncommitted. */
  proposeConfChange(change: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(change);
  }

  /** Asks for a linearizable read point; the answer arrives in a later Ready's readStates with the same context. */
  readIndex(context: Uint8Array): 'accepted' | 'not-leader' {
    return this.raft.readIndex(context);
  }

  transferLeadership(to: NodeId): TransferResult {
    return this.raft.transferLeadership(to);
  }

  reportSnapshot(to: NodeId, outcome: 'ok' | 'failed'): void {
    this.raft.reportSnapshot(to, outcome === 'ok');
  }

  reportUnreachable(to: NodeId): void {
    this.raft.reportUnreachable(to);
  }

  /**
   * The metadata for a snapshot of the FSM at `index` (at most the applied index): the term there and the
   * membership in effect. The driver saves the snapshot, then tells its storage (snapshotMeta, compaction).
   */
  snapshotMetaAt(index: number): SnapshotMeta {
    // The driver applies what it is handed at once (maybe before advance() tells the core): `applying` bounds it.
    assert(index <= this.raft.log.applying, `snapshot at ${index} beyond applied ${this.raft.log.applying}`);
    const term = this.raft.log.term(index);
    assert(term !== null, `no term for snapshot index ${index} (compacted)`);
    const membership = this.raft.membershipAt(index);
    return { index, term, conf: confStateOf(membership), addresses: { ...membership.addresses } };
  }

  private softState(): SoftState {
    return { leaderId: this.raft.lead, role: this.raft.role };
  }

  hasReady(): boolean {
    if (this.handedOut !== null) return false;
    const soft = this.softState();
    if (soft.leaderId !== this.previousSoftState.leaderId || soft.role !== this.previousSoftState.role) return true;
    if (!sameHardState(this.raft.hardState(), this.previousHardState)) return true;
    const log = this.raft.log;
    return (
      log.unstableSnapshot() !== null ||
      log.unstableEntries().length > 0 ||
      this.raft.messages.length > 0 ||
      this.raft.readStates.length > 0 ||
      log.hasNextCommitted()
    );
  }

  ready(): Ready {
    assert(this.handedOut === null, 'ready() called again before advance()');
    const soft = this.softState();
    const softChanged = soft.leaderId !== this.previousSoftState.leaderId || soft.role !== this.previousSoftState.role;
    const hard = this.raft.hardState();
    const hardChanged = !sameHardState(hard, this.previousHardState);
    const log = this.raft.log;
    const entries = [...log.unstableEntries()];
    const snapshot = log.unstableSnapshot();
    const early = this.takeLeaderMessages();
    const late = this.raft.messages;
    this.raft.messages = [];
    const committedEntries = log.nextCommitted(this.committedSizeBytesMax);
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted) log.applyingTo(lastCommitted.index);
    const ready: Ready = {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hard : null,
      snapshot,
      entries,
      mustSync:
        entries.length > 0 ||
        snapshot !== null ||
        hard.term !== this.previousHardState.term ||
        hard.vote !== this.previousHardState.vote,
      leaderMessages: early,
      messages: late,
      committedEntries,
      readStates: this.raft.readStates,
    };
    this.raft.readStates = [];
    this.previousSoftState = soft;
    this.previousHardState = hard;
    this.handedOut = ready;
    return ready;
  }

  /**
   * Takes the queued messages that may leave before persisting (a leader's appends and heartbeats); the rest
   * wait for the next Ready. Callable at any time, also between ready() and advance().
   */
  takeLeaderMessages(): RaftMessage[] {
    const early: RaftMessage[] = [];
    const late: RaftMessage[] = [];
    for (const message of this.raft.messages)
      (mayLeaveBeforePersist(message, this.durableTerm) ? early : late).push(message);
    this.raft.messages = late;
    return early;
  }

  /**
   * Takes the entries that committed since the Ready in hand was made, for the driver to apply now, in order and
   * before it feeds the core anything else that could commit more. Callable only between ready() and advance(),
   * once that Ready's own committedEntries are applied; empty while a snapshot is to be installed (by that Ready
   * or the next), since nothing after a snapshot may be applied before it.
   */
  takeCommittedEntries(): readonly Entry[] {
    const ready = this.handedOut;
    const log = this.raft.log;
    if (ready === null || ready.snapshot !== null || log.unstableSnapshot() !== null) return [];
    const entries = log.nextCommitted(this.committedSizeBytesMax);
    const last = entries[entries.length - 1];
    if (last) log.applyingTo(last.index);
    return entries;
  }

  advance(ready: Ready): void {
    assert(this.handedOut !== null, 'advance() without a Ready handed out');
    assert(ready === this.handedOut, 'advance() got a different Ready than the one handed out');
    this.handedOut = null;
    const log = this.raft.log;
    if (ready.snapshot !== null) {
      log.stableSnapshotTo(ready.snapshot.index);
      if (ready.snapshot.index > log.applied) log.appliedTo(ready.snapshot.index);
    }
    if (ready.hardState !== null) this.durableTerm = ready.hardState.term;
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry) {
      log.stableTo(lastEntry.index, lastEntry.term);
      this.raft.onPersisted(lastEntry.index, lastEntry.term);
    }
    // Everything handed out is applied by now: the Ready's committed entries and any taken while it was out.
    if (log.applying > log.applied) log.appliedTo(log.applying);
  }

  status(): RaftStatus {
    const raft = this.raft;
    const membership = raft.membership.current();
    const progress: Record<NodeId, ProgressStatus> = {};
    if (raft.role === 'leader') {
      for (const [id, item] of raft.progress) {
        progress[id] = {
          state: item.state,
          match: item.match,
          next: item.next,
          isLearner: item.isLearner,
          recentActive: item.recentActive,
          inflightCount: item.inflights.count,
        };
      }
    }
    return {
      id: raft.id,
      role: raft.role,
      leaderId: raft.lead,
      hardState: raft.hardState(),
      appliedIndex: raft.log.applied,
      firstIndex: raft.log.firstIndex(),
      lastIndex: raft.log.lastIndex(),
      conf: confStateOf(membership),
      addresses: { ...membership.addresses },
      leadTransferee: raft.leadTransferee,
      progress,
      marks: Object.fromEntries(raft.marks),
    };
  }

  /** The term of the entry at `index` in this node's log, or null when compacted or past the end. */
  termAt(index: number): number | null {
    return this.raft.log.term(index);
  }

  /** Cheap accessors for checkers that run after every simulated step. */
  get role(): Role {
    return this.raft.role;
  }

  get term(): number {
    return this.raft.term;
  }

  get leaderId(): NodeId | null {
    return this.raft.lead;
  }

  get appliedIndex(): number {
    return this.raft.log.applied;
  }

  get committedIndex(): number {
    return this.raft.log.committed;
  }

  get lastIndex(): number {
    return this.raft.log.lastIndex();
  }
}
