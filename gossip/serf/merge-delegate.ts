// Serf's MergeDelegate over the core's: the owner judges remote members as Serf members (decoded tags, Serf
// statuses), as Consul's lanMergeDelegate and wanMergeDelegate do, before anything of them merges.

import type { MergeCandidate, MergeDelegate } from '../core/index.js';
import type { SerfMember, SerfMemberStatus } from './members.js';
import { decodeTags } from './tags.js';

/** A remote member as a Serf merge delegate sees it. */
export interface SerfMergeMember {
  readonly name: string;
  readonly address: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: SerfMemberStatus;
}

/**
 * null accepts the members; a string refuses them all with that reason. `known` is this node's member list as it
 * stands (read only). Must be pure and deterministic.
 */
export type SerfMergeDelegate = (
  members: readonly SerfMergeMember[],
  known: ReadonlyMap<string, SerfMember>,
) => string | null;

/** The core-level delegate that decodes each candidate and asks the Serf-level one with Serf's member list. */
export function coreMergeDelegate(
  delegate: SerfMergeDelegate,
  known: () => ReadonlyMap<string, SerfMember>,
): MergeDelegate {
  return (candidates) => delegate(candidates.map(toSerfMergeMember), known());
}

function toSerfMergeMember(candidate: MergeCandidate): SerfMergeMember {
  let tags: Record<string, string>;
  try {
    tags = decodeTags(candidate.meta);
  } catch {
    // Undecodable tags judge as none (serf logs and carries on with empty tags): a delegate requiring tags refuses.
    tags = {};
  }
  const status: SerfMemberStatus =
    candidate.state === 'left' ? 'left' : candidate.state === 'dead' ? 'failed' : 'alive';
  return { name: candidate.name, address: candidate.address, tags, status };
}
