// Majority arithmetic over one voter set (etcd quorum/majority.go): the committed index and the election
// result. Pure functions; single-server membership changes mean a configuration is always one majority.

import type { NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/** ⌊n/2⌋ + 1 of the voters. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** The highest index a majority of voters has acknowledged; voters without an ack count as 0. */
export function committedIndex(voters: ReadonlySet<NodeId>, ackedIndex: (id: NodeId) => number): number {
  if (voters.size === 0) return Number.MAX_SAFE_INTEGER; // no voters: nothing constrains (etcd does the same)
  const acked = [...voters].map(ackedIndex).sort((left, right) => right - left);
  return acked[quorumSize(voters.size) - 1]!;
}

/** Won once a majority granted, lost once a majority can no longer grant. */
export function voteResult(voters: ReadonlySet<NodeId>, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return 'won';
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const needed = quorumSize(voters.size);
  if (granted >= needed) return 'won';
  if (voters.size - rejected < needed) return 'lost';
  return 'pending';
}

/** True when the voters that are `active` form a majority. */
export function quorumActive(voters: ReadonlySet<NodeId>, active: (id: NodeId) => boolean): boolean {
  let count = 0;
  for (const voter of voters) if (active(voter)) count++;
  return count >= quorumSize(voters.size);
}
