// What each RPC needs from the caller's token (DESIGN §9), as data beside the handlers: a resource, read or
// write, and the resource's name taken from the request. The dispatcher asks one authorizer before a handler
// runs; until ACLs exist it allows everything (Consul with acl.enabled = false). List reads (nodes, services)
// will also filter rows through the authorizer once it can deny; today there is nothing to filter.

import type { RpcMethodName } from '../rpc/methods.js';

export type AclResource = 'node' | 'service' | 'operator' | 'key' | 'session' | 'query' | 'none';
export type AclAccess = 'read' | 'write';

export interface AclRule {
  readonly resource: AclResource;
  readonly access: AclAccess;
  /** The resource name from the args ('' for resources without names or list reads). */
  readonly name: (args: unknown) => string;
}

/** Same shape as agent/acl/authorizer.ts Authorizer, so the agent passes its own. */
export interface RpcAuthorizer {
  allows(request: {
    readonly token: string | null;
    readonly resource: Exclude<AclResource, 'none'>;
    readonly access: AclAccess;
    readonly name: string;
  }): boolean;
}

export const allowAllRpcAuthorizer: RpcAuthorizer = Object.freeze({ allows: () => true });

const field =
  (name: string) =>
  (args: unknown): string => {
    const value = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' ? value : '';
  };
const none = (): string => '';
const rule = (resource: AclResource, access: AclAccess, name: (args: unknown) => string = none): AclRule => ({
  resource,
  access,
  name,
});
/** Catalog.Register needs node:write, and service:write for the service it carries (checked by name here). */
const registerTarget = (args: unknown): string => field('Node')(args);

export const aclRules: { readonly [M in RpcMethodName]: AclRule } = {
  'Catalog.Register': rule('node', 'write', registerTarget),
  'Catalog.Deregister': rule('node', 'write', field('Node')),
  'Catalog.ListDatacenters': rule('none', 'read'),
  'Catalog.ListNodes': rule('node', 'read'),
  'Catalog.ListServices': rule('service', 'read'),
  'Catalog.ServiceNodes': rule('service', 'read', field('ServiceName')),
  'Catalog.NodeServices': rule('node', 'read', field('Node')),
  'Health.ChecksInState': rule('node', 'read'),
  'Health.NodeChecks': rule('node', 'read', field('Node')),
  'Health.ServiceChecks': rule('service', 'read', field('ServiceName')),
  'Health.ServiceNodes': rule('service', 'read', field('ServiceName')),
  'Coordinate.ListNodes': rule('node', 'read'),
  'Coordinate.Node': rule('node', 'read', field('Node')),
  'Coordinate.Update': rule('node', 'write', field('Node')),
  // Consul's Coordinate.ListDatacenters checks no ACL (server names and coordinates only).
  'Coordinate.ListDatacenters': rule('none', 'read'),
  'Status.Leader': rule('none', 'read'),
  'Status.Peers': rule('none', 'read'),
  'Status.RaftStats': rule('none', 'read'),
  'Operator.RaftGetConfiguration': rule('operator', 'read'),
  'Operator.RaftRemovePeer': rule('operator', 'write'),
  'Operator.RaftTransferLeader': rule('operator', 'write'),
  'Operator.AutopilotServerHealth': rule('operator', 'read'),
  'Operator.AutopilotState': rule('operator', 'read'),
  'Operator.AutopilotGetConfiguration': rule('operator', 'read'),
  'Operator.AutopilotSetConfiguration': rule('operator', 'write'),
  'Snapshot.Save': rule('operator', 'write'),
  'Snapshot.Restore': rule('operator', 'write'),
  // KV and sessions (Consul kvs_endpoint.go, session_endpoint.go): key:<op> on the key or prefix, session:<op>
  // on the node. Consul checks a transaction op by op; until per-op checks exist a transaction needs key access
  // on the whole keyspace (stricter, never looser).
  'KVS.Apply': rule('key', 'write', (args) => field('Key')((args as { DirEnt?: unknown } | null)?.DirEnt)),
  'KVS.Get': rule('key', 'read', field('Key')),
  'KVS.List': rule('key', 'read', field('Key')),
  'KVS.ListKeys': rule('key', 'read', field('Prefix')),
  'Session.Apply': rule('session', 'write', (args) => field('Node')((args as { Session?: unknown } | null)?.Session)),
  'Session.Get': rule('session', 'read'),
  'Session.List': rule('session', 'read'),
  'Session.NodeSessions': rule('session', 'read', field('Node')),
  'Session.Renew': rule('session', 'write'),
  'Txn.Apply': rule('key', 'write'),
  'Txn.Read': rule('key', 'read'),
  // Connect (Consul connect_ca_endpoint.go, intention_endpoint.go, config_endpoint.go): roots are public, the CA
  // config is operator:*, signing is service:write on the CSR's service (checked once ACLs parse CSRs),
  // intentions are intention:* on the destination (service:* here until ACLs add the resource).
  'ConnectCA.Roots': rule('none', 'read'),
  'ConnectCA.ConfigurationGet': rule('operator', 'read'),
  'ConnectCA.ConfigurationSet': rule('operator', 'write'),
  'ConnectCA.Sign': rule('service', 'write'),
  'Intention.Apply': rule('service', 'write'),
  'Intention.Get': rule('service', 'read', field('Destination')),
  'Intention.List': rule('service', 'read'),
  'Intention.Match': rule('service', 'read'),
  'Intention.Check': rule('service', 'read', field('Destination')),
  // Lists (filtered by the authorizer once it can deny), as Consul's NodeDump and ServiceDump.
  'Internal.NodeDump': rule('node', 'read'),
  'Internal.NodeInfo': rule('node', 'read', field('Node')),
  'Internal.ServiceDump': rule('service', 'read'),
  'Internal.ServiceTopology': rule('service', 'read', field('ServiceName')),
  'ConfigEntry.Apply': rule('operator', 'write'),
  'ConfigEntry.Get': rule('service', 'read', field('Name')),
  'ConfigEntry.List': rule('service', 'read'),
  'ConfigEntry.Delete': rule('operator', 'write'),
  // Prepared queries (Consul prepared_query_endpoint.go): query:write on the query's name prefix for Apply (the
  // name in the args; a delete or update by ID is checked on the stored name once ACLs can deny), query:read to
  // list and explain. Get by ID and Execute need no query rule in Consul (having the ID or name is the right); the
  // instances Execute returns are filtered by service:read with the query's token, once ACLs filter.
  'PreparedQuery.Apply': rule('query', 'write', (args) => field('Name')((args as { Query?: unknown } | null)?.Query)),
  'PreparedQuery.Get': rule('none', 'read'),
  'PreparedQuery.List': rule('query', 'read'),
  'PreparedQuery.Execute': rule('none', 'read'),
  'PreparedQuery.Explain': rule('query', 'read', field('QueryIDOrName')),
};
