// RaftNode settings: `RaftNodeInit` is what the operator wrote, `RaftNodeConfig` is complete, validated and
// frozen. Defaults are Consul's (snapshot threshold 16384, trailing logs 10240, interval 30 s); timing is in
// ticks of `tickMs`, scaled like Consul's raft_multiplier.

import { ValidationError } from '../lib/errors.js';
import { type RaftConfig, type RaftInit, validateRaftConfig } from './core/config.js';
import type { NodeId } from './core/types.js';

export interface RaftNodeConfig {
  readonly id: NodeId;
  /** Milliseconds per core tick; election after core.electionTicks ticks, heartbeat every heartbeatTicks. */
  readonly tickMs: number;
  readonly core: RaftConfig;
  /** Applied entries since the last snapshot that trigger a new one (raft_snapshot_threshold). */
  readonly snapshotThreshold: number;
  /** How often the threshold is checked (raft_snapshot_interval). */
  readonly snapshotIntervalMs: number;
  /** Log entries kept behind a snapshot for slow followers (raft_trailing_logs). */
  readonly trailingLogs: number;
  /**
   * The initial voters, written to the log when the stores are empty (every initial server is given the same
   * list, so they agree). Empty: the node waits to be added by a leader.
   */
  readonly bootstrap: readonly { readonly id: NodeId; readonly address: string }[];
  /** How long a leadership transfer may take before it rejects. */
  readonly transferTimeoutMs: number;
  /**
   * Where Consul's manual-recovery files live (<data_dir>/raft): a peers.json there is applied as the new
   * configuration at start, then deleted (peers-json.ts). Null: no manual recovery (in-memory stores).
   */
  readonly raftDir: string | null;
}

export type RaftNodeInit = Partial<Omit<RaftNodeConfig, 'core'>> & { readonly id: NodeId; readonly core?: RaftInit };

export const raftNodeDefaults = Object.freeze({
  tickMs: 100,
  snapshotThreshold: 16_384,
  snapshotIntervalMs: 30_000,
  trailingLogs: 10_240,
  transferTimeoutMs: 10_000,
  raftDir: null,
});

const isPositiveInteger = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) > 0;

/** The validated config, or a ValidationError naming every problem at once. */
export function validateRaftNodeConfig(init: RaftNodeInit): RaftNodeConfig {
  const problems: string[] = [];
  const core = validateRaftConfig(init.core ?? {});
  if (!core.ok) problems.push(...core.problems);
  const merged = { ...raftNodeDefaults, bootstrap: [], ...init };
  if (typeof merged.id !== 'string' || merged.id.length === 0) problems.push('id must be a non-empty string');
  for (const field of ['tickMs', 'snapshotThreshold', 'snapshotIntervalMs', 'transferTimeoutMs'] as const) {
    if (!isPositiveInteger(merged[field])) problems.push(`${field} must be a positive integer, got ${merged[field]}`);
  }
  if (!Number.isSafeInteger(merged.trailingLogs) || merged.trailingLogs < 0) {
    problems.push(`trailingLogs must be a non-negative integer, got ${merged.trailingLogs}`);
  }
  if (merged.raftDir !== null && (typeof merged.raftDir !== 'string' || merged.raftDir.length === 0))
    problems.push('raftDir must be a directory path or null');
  const ids = merged.bootstrap.map((member) => member.id);
  if (new Set(ids).size !== ids.length) problems.push('bootstrap lists a server twice');
  if (merged.bootstrap.length > 0 && !ids.includes(merged.id))
    problems.push(`bootstrap does not list this server (${merged.id})`);
  if (problems.length > 0 || !core.ok) throw new ValidationError(`invalid raft node config: ${problems.join('; ')}`);
  return Object.freeze({ ...merged, core: core.config, bootstrap: Object.freeze([...merged.bootstrap]) });
}
