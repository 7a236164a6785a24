// The state machine a RaftNode replicates (hashicorp/raft fsm.go): apply committed commands deterministically,
// capture cheap point-in-time snapshots that persist slowly in the background, and restore from a stream.

import type { AbortOptions } from '../lib/lifecycle.js';
import type { Entry } from './core/types.js';

/** A committed application entry (never a no-op or a membership change). */
export type CommittedEntry = Entry;

/** Where an FsmSnapshot writes its bytes. */
export interface FsmSnapshotSink {
  write(chunk: Uint8Array): Promise<void>;
}

export interface Fsm {
  /** Deterministic and free of I/O; the return value is the proposer's `response`. */
  apply(entry: CommittedEntry): unknown;
  /** Cheap: capture immutable state; the slow part is persist(). */
  snapshot(): FsmSnapshot;
  /** Replaces the whole state with the snapshot's. */
  restore(source: AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<void>;
}

export interface FsmSnapshot {
  persist(sink: FsmSnapshotSink, options?: AbortOptions): Promise<void>;
  /** Always called, even after a failure. */
  release(): void;
}

/** An FSM that applies a batch at once (one store transaction for many commands). */
export interface BatchingFsm extends Fsm {
  applyBatch(entries: readonly CommittedEntry[]): unknown[];
}

export const isBatchingFsm = (fsm: Fsm): fsm is BatchingFsm => 'applyBatch' in fsm;
