// Serf's view of members: status (alive, leaving, left, failed) with the time it last changed, fed by the core's
// member events; plus the two periodic decisions on it, kept pure: which members to reap, and which failed member
// to try reconnecting to (serf.go reap/reconnect).

import type { Rand } from '../../lib/rand.js';

export type SerfMemberStatus = 'alive' | 'leaving' | 'left' | 'failed';

export interface SerfMember {
  readonly name: string;
  readonly address: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: SerfMemberStatus;
  /** Local monotonic time of the last status change. */
  readonly statusChangeMs: number;
}

export interface ReapLimits {
  readonly reconnectTimeoutMs: number;
  readonly tombstoneTimeoutMs: number;
}

/** Members to forget now: failed ones past the reconnect timeout, left ones past the tombstone timeout. */
export function membersToReap(members: Iterable<SerfMember>, nowMs: number, limits: ReapLimits): SerfMember[] {
  const reaped: SerfMember[] = [];
  for (const member of members) {
    const ageMs = nowMs - member.statusChangeMs;
    if (member.status === 'failed' && ageMs > limits.reconnectTimeoutMs) reaped.push(member);
    else if (member.status === 'left' && ageMs > limits.tombstoneTimeoutMs) reaped.push(member);
  }
  return reaped;
}

/**
 * The failed member to try rejoining this round, or null. As serf does, a round tries at all with probability
 * failed/alive, so a large pool does not stampede a few failed nodes; then one failed member is picked at random.
 */
export function chooseReconnectTarget(members: Iterable<SerfMember>, rand: Rand): SerfMember | null {
  const failed: SerfMember[] = [];
  let alive = 0;
  for (const member of members) {
    if (member.status === 'failed') failed.push(member);
    else if (member.status === 'alive') alive++;
  }
  if (failed.length === 0) return null;
  const probability = failed.length / Math.max(1, alive);
  if (rand.float() > probability) return null;
  return failed[rand.intBelow(failed.length)]!;
}
