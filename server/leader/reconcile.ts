// Reconciling the LAN pool into the catalog (Consul leader_registrator_v1.go), as pure decisions: for each gossip
// member and what the catalog holds for its node, the one write that makes the catalog agree, or nothing.
//   alive   → node registered (address, ID; servers also get the `consul` service), serfHealth passing
//   failed  → serfHealth critical ("Agent not live or unreachable"), for nodes the catalog has
//   left / reaped → node deregistered (never the leader's own node: a leaving leader hands over first)
//   leaving → nothing yet (the final status decides)
// A catalog node with a serfHealth check whose member the pool no longer knows was reaped while no leader was
// watching: deregistered by the full reconcile (Consul reconcileReaped).

import type { SerfMember } from '../../gossip/serf/members.js';
import { hostOfAddress, readServerTags } from '../bootstrap.js';
import type { DeregisterRequest, HealthStatus, RegisterRequest } from '../state/types.js';

export const serfCheckId = 'serfHealth';
export const serfCheckName = 'Serf Health Status';
export const serfAliveOutput = 'Agent alive and reachable';
export const serfFailedOutput = 'Agent not live or unreachable';
export const consulServiceName = 'consul';

/** What the catalog holds about one node, as far as reconciling needs. */
export interface CatalogNodeView {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  /** Status of its serfHealth check, null when it has none. */
  readonly serfHealth: HealthStatus | null;
  /** Port of its `consul` service, null when it has none. */
  readonly consulServicePort: number | null;
  /** Kept as they are when the leader re-registers the node (Consul does not clobber them). */
  readonly taggedAddresses: Readonly<Record<string, string>>;
  readonly meta: Readonly<Record<string, string>>;
}

export interface ReconcileContext {
  readonly datacenter: string;
  /** The leader's own node name: never deregistered by the leader. */
  readonly localNodeName: string;
}

export type ReconcileOp =
  | { readonly kind: 'register'; readonly status: 'passing' | 'critical'; readonly request: RegisterRequest }
  | { readonly kind: 'deregister'; readonly request: DeregisterRequest };

function serfCheck(node: string, status: 'passing' | 'critical'): RegisterRequest['Check'] {
  return {
    Node: node,
    CheckID: serfCheckId,
    Name: serfCheckName,
    Status: status,
    Output: status === 'passing' ? serfAliveOutput : serfFailedOutput,
    Type: '',
  };
}

function aliveOp(member: SerfMember, existing: CatalogNodeView | null, context: ReconcileContext): ReconcileOp | null {
  const address = hostOfAddress(member.address);
  const id = member.tags['id'] ?? '';
  const server = readServerTags(member);
  const serverPort = server === null ? null : Number(member.tags['port']);
  const upToDate =
    existing !== null &&
    existing.address === address &&
    existing.id === id &&
    existing.serfHealth === 'passing' &&
    (serverPort === null || existing.consulServicePort === serverPort);
  if (upToDate) return null;
  // A new node gets the member's version as meta; a known one keeps its tagged addresses and meta.
  const version = (member.tags['build'] ?? '').split(':')[0] ?? '';
  const request: RegisterRequest = {
    Node: member.name,
    ID: id,
    Address: address,
    Datacenter: context.datacenter,
    ...(existing === null
      ? { NodeMeta: version === '' ? {} : { 'consul-version': version } }
      : { TaggedAddresses: existing.taggedAddresses, NodeMeta: existing.meta }),
    Check: serfCheck(member.name, 'passing'),
    ...(serverPort === null
      ? {}
      : { Service: { ID: consulServiceName, Service: consulServiceName, Port: serverPort, Tags: [], Meta: {} } }),
  };
  return { kind: 'register', status: 'passing', request };
}

function failedOp(member: SerfMember, existing: CatalogNodeView | null, context: ReconcileContext): ReconcileOp | null {
  // A node the catalog never had is not registered just to be marked failed (Consul HandleFailedMember).
  if (existing === null || existing.serfHealth === 'critical') return null;
  const request: RegisterRequest = {
    Node: member.name,
    ID: existing.id,
    Address: existing.address,
    Datacenter: context.datacenter,
    Check: serfCheck(member.name, 'critical'),
    // The node's own fields stay as they are: only the check changes.
    SkipNodeUpdate: true,
  };
  return { kind: 'register', status: 'critical', request };
}

function deregisterOp(name: string, existing: CatalogNodeView | null, context: ReconcileContext): ReconcileOp | null {
  if (existing === null || name === context.localNodeName) return null;
  return { kind: 'deregister', request: { Node: name, Datacenter: context.datacenter } };
}

/** The write that reconciles one member (its event or its status in a full pass), or null. */
export function reconcileMember(
  member: SerfMember,
  event: 'status' | 'reap',
  existing: CatalogNodeView | null,
  context: ReconcileContext,
): ReconcileOp | null {
  if (event === 'reap') return deregisterOp(member.name, existing, context);
  switch (member.status) {
    case 'alive':
      return aliveOp(member, existing, context);
    case 'failed':
      return failedOp(member, existing, context);
    case 'left':
      return deregisterOp(member.name, existing, context);
    case 'leaving':
      return null;
  }
}

/** A full pass: every member, then every catalog node with a serfHealth check that the pool no longer knows. */
export function reconcileAll(
  members: readonly SerfMember[],
  catalog: ReadonlyMap<string, CatalogNodeView>,
  context: ReconcileContext,
): ReconcileOp[] {
  const ops: ReconcileOp[] = [];
  const known = new Set<string>();
  for (const member of members) {
    if ((member.tags['dc'] ?? context.datacenter) !== context.datacenter) continue;
    known.add(member.name.toLowerCase());
    const op = reconcileMember(member, 'status', catalog.get(member.name.toLowerCase()) ?? null, context);
    if (op !== null) ops.push(op);
  }
  for (const [key, node] of catalog) {
    if (known.has(key) || node.serfHealth === null) continue;
    const op = deregisterOp(node.name, node, context);
    if (op !== null) ops.push(op);
  }
  return ops;
}
