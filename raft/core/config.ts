// Raft core tuning: the user-facing `RaftInit`, the validated and frozen `RaftConfig`, and the check that
// reports every problem at once, including the relations between fields (election above heartbeat).

import { ValidationError } from '../../lib/errors.js';

export interface RaftConfig {
  /** Ticks without hearing from a leader before a follower campaigns; randomized in [electionTicks, 2×). */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats; must be well below electionTicks so followers stay quiet. */
  readonly heartbeatTicks: number;
  /** Bytes of entries in one append message (etcd MaxSizePerMsg); at least one entry is always sent. */
  readonly messageSizeBytesMax: number;
  /** Entries in one append message, so a slow follower is not sent one giant batch. */
  readonly messageEntriesMax: number;
  /** Append messages in flight per follower in replicate state (etcd MaxInflightMsgs): the pipeline depth. */
  readonly inflightMessagesMax: number;
  /** Bytes in flight per follower; 0 means no byte bound, only the message bound. */
  readonly inflightBytesMax: number;
  /** Ask for votes in a pre-election first, so a partitioned node rejoining does not bump everyone's term. */
  readonly preVote: boolean;
  /** A leader steps down when it has not heard from a quorum within an election timeout. */
  readonly checkQuorum: boolean;
  /** Forwarded and local ReadIndex requests a leader holds before its first commit in a term. */
  readonly pendingReadIndexMax: number;
}

export type RaftInit = Partial<RaftConfig>;

/** etcd's and Consul's ratios: heartbeat every tick, election after ten; 1 MiB batches, 256 in flight. */
export const defaultRaftConfig: RaftConfig = Object.freeze({
  electionTicks: 10,
  heartbeatTicks: 1,
  messageSizeBytesMax: 1024 * 1024,
  messageEntriesMax: 512,
  inflightMessagesMax: 256,
  inflightBytesMax: 0,
  preVote: true,
  checkQuorum: true,
  pendingReadIndexMax: 4096,
});

export type RaftConfigCheck = { ok: true; config: RaftConfig } | { ok: false; problems: string[] };

const positiveIntegerFields = [
  'electionTicks',
  'heartbeatTicks',
  'messageSizeBytesMax',
  'messageEntriesMax',
  'inflightMessagesMax',
  'pendingReadIndexMax',
] as const;

export function validateRaftConfig(init: RaftInit): RaftConfigCheck {
  const merged: RaftConfig = { ...defaultRaftConfig, ...init };
  const problems: string[] = [];
  for (const field of positiveIntegerFields) {
    const value = merged[field];
    if (!Number.isSafeInteger(value) || value <= 0) problems.push(`${field} must be a positive integer, got ${value}`);
  }
  if (!Number.isSafeInteger(merged.inflightBytesMax) || merged.inflightBytesMax < 0)
    problems.push(`inflightBytesMax must be a non-negative integer, got ${merged.inflightBytesMax}`);
  if (typeof merged.preVote !== 'boolean') problems.push('preVote must be a boolean');
  if (typeof merged.checkQuorum !== 'boolean') problems.push('checkQuorum must be a boolean');
  if (merged.electionTicks <= merged.heartbeatTicks)
    problems.push(
      `electionTicks (${merged.electionTicks}) must be greater than heartbeatTicks (${merged.heartbeatTicks})`,
    );
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: Object.freeze(merged) };
}

/** The validated config, or a ValidationError listing every problem. */
export function raftConfig(init: RaftInit = {}): RaftConfig {
  const check = validateRaftConfig(init);
  if (!check.ok) throw new ValidationError(`invalid raft config: ${check.problems.join('; ')}`);
  return check.config;
}
