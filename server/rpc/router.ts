// Where an RPC runs (DESIGN §9, Consul rpc.go forward): the datacenter first (the local one, or
// `No path to datacenter` until WAN federation exists), then leader or local by method. Pure.

import { NoPathToDatacenterError } from './errors.js';
import type { Consistency, RpcMethodName } from './methods.js';

/**
 * read: a query (the consistency mode decides); leader: runs only on the leader (writes through Raft, membership
 * changes, autopilot, snapshots); local: any server answers for itself (status, datacenters).
 */
export type MethodRoute = 'read' | 'leader' | 'local';

export const methodRoutes: { readonly [M in RpcMethodName]: MethodRoute } = {
  'Catalog.Register': 'leader',
  'Catalog.Deregister': 'leader',
  'Catalog.ListDatacenters': 'local',
  'Catalog.ListNodes': 'read',
  'Catalog.ListServices': 'read',
  'Catalog.ServiceNodes': 'read',
  'Catalog.NodeServices': 'read',
  'Health.ChecksInState': 'read',
  'Health.NodeChecks': 'read',
  'Health.ServiceChecks': 'read',
  'Health.ServiceNodes': 'read',
  'Coordinate.ListNodes': 'read',
  'Coordinate.Node': 'read',
  'Coordinate.Update': 'leader',
  'Coordinate.ListDatacenters': 'local',
  'Status.Leader': 'local',
  'Status.Peers': 'local',
  'Status.RaftStats': 'local',
  'Operator.RaftGetConfiguration': 'read',
  'Operator.RaftRemovePeer': 'leader',
  'Operator.RaftTransferLeader': 'leader',
  'Operator.AutopilotServerHealth': 'leader',
  'Operator.AutopilotState': 'leader',
  'Operator.AutopilotGetConfiguration': 'read',
  'Operator.AutopilotSetConfiguration': 'leader',
  'Snapshot.Save': 'leader',
  'Snapshot.Restore': 'leader',
  'KVS.Apply': 'leader',
  'KVS.Get': 'read',
  'KVS.List': 'read',
  'KVS.ListKeys': 'read',
  'Session.Apply': 'leader',
  'Session.Get': 'read',
  'Session.List': 'read',
  'Session.NodeSessions': 'read',
  'Session.Renew': 'leader',
  'Txn.Apply': 'leader',
  'Txn.Read': 'read',
  'ConnectCA.Roots': 'read',
  'ConnectCA.ConfigurationGet': 'read',
  'ConnectCA.ConfigurationSet': 'leader',
  'ConnectCA.Sign': 'leader',
  'Intention.Apply': 'leader',
  'Intention.Get': 'read',
  'Intention.List': 'read',
  'Intention.Match': 'read',
  'Intention.Check': 'read',
  'Internal.NodeDump': 'read',
  'Internal.NodeInfo': 'read',
  'Internal.ServiceDump': 'read',
  'Internal.ServiceTopology': 'read',
  'ConfigEntry.Apply': 'leader',
  'ConfigEntry.Get': 'read',
  'ConfigEntry.List': 'read',
  'ConfigEntry.Delete': 'leader',
  'PreparedQuery.Apply': 'leader',
  'PreparedQuery.Get': 'read',
  'PreparedQuery.List': 'read',
  'PreparedQuery.Execute': 'read',
  'PreparedQuery.Explain': 'read',
};

export const isRpcMethodName = (value: unknown): value is RpcMethodName =>
  typeof value === 'string' && Object.hasOwn(methodRoutes, value);

/** The datacenter a call targets; '' means the caller's own. Throws for any other datacenter (no WAN yet). */
export function routeDatacenter(requested: string, localDatacenter: string): 'local' {
  if (requested === '' || requested.toLowerCase() === localDatacenter.toLowerCase()) return 'local';
  throw new NoPathToDatacenterError(requested);
}

/**
 * Whether this call must run on the leader. A stale read stays here unless `maxStaleMs` bounds it and this
 * server has not heard from the leader for longer (`lastContactMs`, 0 on the leader).
 */
export function needsLeader(
  route: MethodRoute,
  consistency: Consistency,
  staleness: { readonly maxStaleMs: number; readonly lastContactMs: number } = { maxStaleMs: 0, lastContactMs: 0 },
): boolean {
  if (route === 'leader') return true;
  if (route !== 'read') return false;
  if (consistency !== 'stale') return true;
  return staleness.maxStaleMs > 0 && staleness.lastContactMs > staleness.maxStaleMs;
}
