// What a simulated Raft run reports: the options that replay it, the failure (if any) by kind, and the
// figures the CLI prints (elections, commits, client operations, faults injected).

import type { NodeId } from '../../raft/core/types.js';
import type { Verdict } from '../linearizability.js';
import type { NetworkFaults } from './network.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodeCount?: number;
  /** Length of the chaos phase in nominal ticks. */
  readonly ticksMax?: number;
  /** Bound on the liveness phase in nominal ticks: a leader and a committed probe must appear within it. */
  readonly livenessTicksMax?: number;
  readonly clientCount?: number;
  readonly keyCount?: number;
  /** False runs the same workload on a calm network with no crashes or partitions. */
  readonly faults?: boolean;
  /** Called now and then with simulated progress, for a progress bar. */
  readonly onProgress?: (doneMs: number, totalMs: number) => void;
}

export type SimFailureKind = 'safety' | 'liveness' | 'linearizability' | 'crash';

export interface SimFailure {
  readonly kind: SimFailureKind;
  readonly check: string;
  readonly message: string;
  readonly atMs: number;
}

export interface SimStats {
  readonly elections: number;
  readonly maxTerm: number;
  readonly leadersPerTerm: Readonly<Record<string, NodeId>>;
  readonly commitIndexMax: number;
  readonly entriesApplied: number;
  readonly proposalsAccepted: number;
  readonly putsAcknowledged: number;
  readonly readsServed: number;
  readonly historyOperations: number;
  readonly snapshotsSaved: number;
  readonly snapshotsInstalled: number;
  readonly membershipChangesAccepted: number;
  readonly membershipChangesRefused: number;
  readonly transfersRequested: number;
  readonly leadershipTransfers: number;
  readonly stepsRun: number;
  /** From the heal to a leader of the highest term that a majority follows; null if none. */
  readonly leaderAfterHealMs: number | null;
}

export interface SimFaultStats {
  readonly network: NetworkFaults;
  readonly clockRatePerNode: Readonly<Record<NodeId, number>>;
  crashes: number;
  restarts: number;
  partitions: number;
  oneWayCuts: number;
  heals: number;
  messagesSent: number;
  messagesLost: number;
  messagesDuplicated: number;
  messagesBlocked: number;
  messagesToDeadNodes: number;
  unsyncedWritesLost: number;
  /** Crashes of a leader whose write of entries it had already sent was still in flight. */
  leaderCrashesWhileWriting: number;
}

export interface SimResult {
  readonly seed: number;
  readonly nodeCount: number;
  readonly ok: boolean;
  readonly failure: SimFailure | null;
  readonly simulatedMs: number;
  readonly stats: SimStats;
  readonly faults: SimFaultStats;
  readonly linearizability: {
    verdict: Verdict | 'skipped';
    partitions: number;
    searchSteps: number;
    counterexample: readonly string[];
  };
  /** Replays this run. */
  readonly replay: string;
}

export function replayCommand(options: SimOptions): string {
  let command = `lattice simulate raft --seed ${options.seed}`;
  if (options.nodeCount !== undefined) command += ` --nodes ${options.nodeCount}`;
  if (options.ticksMax !== undefined) command += ` --ticks ${options.ticksMax}`;
  return command;
}
