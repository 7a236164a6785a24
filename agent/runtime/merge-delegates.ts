// Consul's gossip merge delegates (agent/consul/merge.go): who may merge into this agent's LAN and WAN pools.
// Without them one mistaken join (a WAN join aimed at a LAN port, a LAN join to another datacenter, a duplicate
// node ID) merges two pools and corrupts the catalog. Pure: the gossip core calls them on every push-pull state
// (one refused member refuses it all; the join fails with the text) and on every alive message (ignored).

import type { SerfMember } from '../../gossip/serf/members.js';
import type { SerfMergeDelegate, SerfMergeMember } from '../../gossip/serf/merge-delegate.js';

/** The lowest Consul build that insists on unique node IDs (merge.go uniqueIDMinVersion). */
const UNIQUE_ID_MIN_VERSION = [0, 8, 5] as const;

export interface LanMergeIdentity {
  readonly datacenter: string;
  readonly nodeId: string;
  readonly nodeName: string;
  /** Network segment ('' for the default one, all Lattice has). */
  readonly segment: string;
}

/**
 * Consul's lanMergeDelegate: no other member with this agent's node ID, no two members sharing one (of builds from
 * 0.8.5 on; left members skipped), every client and server of this datacenter, every member of this segment.
 * Lattice also refuses a member whose node ID an alive member this agent knows holds under another name, so a
 * joiner carrying another node's ID never reaches the catalog (Consul's state store refuses it there instead).
 */
export function lanMergeDelegate(local: LanMergeIdentity): SerfMergeDelegate {
  return (members, known) => {
    const nodeNames = aliveNodeIds(known);
    for (const member of members) {
      const nodeId = member.tags['id'] ?? '';
      if (nodeId !== '' && member.status !== 'left') {
        if (nodeId === local.nodeId && member.name !== local.nodeName)
          return `Member '${member.name}' has conflicting node ID '${nodeId}' with this agent's ID`;
        const other = nodeNames.get(nodeId);
        if (other !== undefined && other !== member.name)
          return `Member '${member.name}' has conflicting node ID '${nodeId}' with member '${other}'`;
        const build = buildVersion(member.tags);
        if (build !== null && compareVersions(build, UNIQUE_ID_MIN_VERSION) >= 0) nodeNames.set(nodeId, member.name);
      }
      if (member.tags['role'] === 'node' && (member.tags['dc'] ?? '') !== local.datacenter)
        return `Member '${member.name}' part of wrong datacenter '${member.tags['dc'] ?? ''}'`;
      if (isConsulServer(member) && member.tags['dc'] !== local.datacenter)
        return `Member '${member.name}' part of wrong datacenter '${member.tags['dc']}'`;
      const segment = member.tags['segment'] ?? '';
      if (segment !== local.segment)
        return `Member '${member.name}' part of wrong segment '${segment}' (expected '${local.segment}')`;
    }
    return null;
  };
}

/** Node ID → name of the alive members of builds that insist on unique IDs (as Consul's nodeMap). */
function aliveNodeIds(known: ReadonlyMap<string, SerfMember>): Map<string, string> {
  const names = new Map<string, string>();
  for (const member of known.values()) {
    const nodeId = member.tags['id'] ?? '';
    if (nodeId === '' || member.status !== 'alive') continue;
    const build = buildVersion(member.tags);
    if (build !== null && compareVersions(build, UNIQUE_ID_MIN_VERSION) >= 0) names.set(nodeId, member.name);
  }
  return names;
}

/**
 * Consul's wanMergeDelegate: every member a server. Lattice also requires the WAN name "<node>.<dc>" (which every
 * Consul server's WAN member has): a LAN pool's server is tagged as a server too, and its bare name would merge a
 * LAN pool into the WAN one.
 */
export function wanMergeDelegate(): SerfMergeDelegate {
  return (members) => {
    for (const member of members) {
      if (!isConsulServer(member)) return `Member '${member.name}' is not a server`;
      const suffix = `.${member.tags['dc']}`;
      if (!member.name.endsWith(suffix) || member.name.length === suffix.length)
        return `Member '${member.name}' is not a WAN member: its name must be '<node>.<datacenter>' (server of datacenter '${member.tags['dc']}')`;
    }
    return null;
  };
}

/**
 * Consul's metadata.IsConsulServer: role=consul with a datacenter, integer port and vsn, a parseable build, and
 * integer expect, raft_vsn and wan_join_port when present.
 */
export function isConsulServer(member: SerfMergeMember): boolean {
  const { tags } = member;
  if (tags['role'] !== 'consul') return false;
  if (!isInteger(tags['port']) || !isInteger(tags['vsn'])) return false;
  for (const optional of ['expect', 'raft_vsn', 'wan_join_port'])
    if (tags[optional] !== undefined && !isInteger(tags[optional])) return false;
  return buildVersion(tags) !== null;
}

function isInteger(text: string | undefined): boolean {
  return text !== undefined && /^[+-]?\d+$/.test(text);
}

/** The build tag's version ("1.17.0:abc123" → [1, 17, 0]); null when missing or malformed (metadata.Build). */
function buildVersion(tags: Readonly<Record<string, string>>): number[] | null {
  const build = tags['build'];
  if (build === undefined || build === '') return null;
  const match = /^v?(\d+(?:\.\d+)*)(?:[-+][0-9A-Za-z.+-]*)?$/.exec(build.split(':')[0] ?? '');
  return match ? match[1]!.split('.').map(Number) : null;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}
