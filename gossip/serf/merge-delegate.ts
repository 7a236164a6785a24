// Serf's MergeDelegate over the core's: the owner judges remote members as Serf members (decoded tags, Serf
// statuses), as Consul's lanMergeDelegate and wanMergeDelegate do, before anything of them merges.

import type { MergeCandidate, MergeDelegate } from '../core/index.js';
import type { SerfMemberStatus } from './members.js';
import { decodeTags } from './tags.js';

/** A remote member as a Serf merge delegate sees it. */
export interface SerfMergeMember {
  readonly name: string;
  readonly address: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: SerfMemberStatus;
}

/** null accepts the members; a string refuses them all with that reason. Must be pure and deterministic. */
export type SerfMergeDelegate = (members: readonly SerfMergeMember[]) => string | null;

/** The core-level delegate that decodes each candidate and asks the Serf-level one. */
export function coreMergeDelegate(delegate: SerfMergeDelegate): MergeDelegate {
  return (candidates) => delegate(candidates.map(toSerfMergeMember));
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
