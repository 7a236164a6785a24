// Consul's HTTP endpoint table (agent/http_register.go) for the answers no Lattice route gives: a path Consul
// serves but Lattice has not built (or has not wired on this agent) is a 501 naming it, an ACL endpoint while ACLs
// are disabled is Consul's 401 `ACL support disabled`, anything else under /v1/ is Consul's 404. Patterns follow
// Go's ServeMux: one ending in `/` matches its whole subtree, any other matches exactly.

/** [pattern, methods] as Consul registers them; an empty method list takes any method (prepared queries). */
const consulEndpoints: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['/v1/acl/bootstrap', ['PUT']],
  ['/v1/acl/login', ['POST']],
  ['/v1/acl/logout', ['POST']],
  ['/v1/acl/replication', ['GET']],
  ['/v1/acl/policies', ['GET']],
  ['/v1/acl/policy', ['PUT']],
  ['/v1/acl/policy/', ['GET', 'PUT', 'DELETE']],
  ['/v1/acl/roles', ['GET']],
  ['/v1/acl/role', ['PUT']],
  ['/v1/acl/role/', ['GET', 'PUT', 'DELETE']],
  ['/v1/acl/binding-rules', ['GET']],
  ['/v1/acl/binding-rule', ['PUT']],
  ['/v1/acl/binding-rule/', ['GET', 'PUT', 'DELETE']],
  ['/v1/acl/auth-methods', ['GET']],
  ['/v1/acl/auth-method', ['PUT']],
  ['/v1/acl/auth-method/', ['GET', 'PUT', 'DELETE']],
  ['/v1/acl/tokens', ['GET']],
  ['/v1/acl/token', ['PUT']],
  ['/v1/acl/token/', ['GET', 'PUT', 'DELETE']],
  ['/v1/acl/templated-policies', ['GET']],
  ['/v1/acl/templated-policy/name/', ['GET']],
  ['/v1/acl/templated-policy/preview/', ['POST']],
  ['/v1/internal/acl/authorize', ['POST']],
  ['/v1/agent/token/', ['PUT']],
  ['/v1/agent/self', ['GET']],
  ['/v1/agent/host', ['GET']],
  ['/v1/agent/version', ['GET']],
  ['/v1/agent/maintenance', ['PUT']],
  ['/v1/agent/reload', ['PUT']],
  ['/v1/agent/monitor', ['GET']],
  ['/v1/agent/metrics', ['GET']],
  ['/v1/agent/metrics/stream', ['GET']],
  ['/v1/agent/services', ['GET']],
  ['/v1/agent/service/', ['GET']],
  ['/v1/agent/checks', ['GET']],
  ['/v1/agent/members', ['GET']],
  ['/v1/agent/join/', ['PUT']],
  ['/v1/agent/leave', ['PUT']],
  ['/v1/agent/force-leave/', ['PUT']],
  ['/v1/agent/health/service/id/', ['GET']],
  ['/v1/agent/health/service/name/', ['GET']],
  ['/v1/agent/check/register', ['PUT']],
  ['/v1/agent/check/deregister/', ['PUT']],
  ['/v1/agent/check/pass/', ['PUT']],
  ['/v1/agent/check/warn/', ['PUT']],
  ['/v1/agent/check/fail/', ['PUT']],
  ['/v1/agent/check/update/', ['PUT']],
  ['/v1/agent/connect/authorize', ['POST']],
  ['/v1/agent/connect/ca/roots', ['GET']],
  ['/v1/agent/connect/ca/leaf/', ['GET']],
  ['/v1/agent/service/register', ['PUT']],
  ['/v1/agent/service/deregister/', ['PUT']],
  ['/v1/agent/service/maintenance/', ['PUT']],
  ['/v1/catalog/register', ['PUT']],
  ['/v1/catalog/connect/', ['GET']],
  ['/v1/catalog/deregister', ['PUT']],
  ['/v1/catalog/datacenters', ['GET']],
  ['/v1/catalog/nodes', ['GET']],
  ['/v1/catalog/services', ['GET']],
  ['/v1/catalog/service/', ['GET']],
  ['/v1/catalog/node/', ['GET']],
  ['/v1/catalog/node-services/', ['GET']],
  ['/v1/catalog/gateway-services/', ['GET']],
  ['/v1/config/', ['GET', 'DELETE']],
  ['/v1/config', ['PUT']],
  ['/v1/connect/ca/configuration', ['GET', 'PUT']],
  ['/v1/connect/ca/roots', ['GET']],
  ['/v1/connect/intentions', ['GET', 'POST']],
  ['/v1/connect/intentions/match', ['GET']],
  ['/v1/connect/intentions/check', ['GET']],
  ['/v1/connect/intentions/exact', ['GET', 'PUT', 'DELETE']],
  ['/v1/connect/intentions/', ['GET', 'PUT', 'DELETE']],
  ['/v1/coordinate/datacenters', ['GET']],
  ['/v1/coordinate/nodes', ['GET']],
  ['/v1/coordinate/node/', ['GET']],
  ['/v1/coordinate/update', ['PUT']],
  ['/v1/internal/federation-states', ['GET']],
  ['/v1/internal/federation-states/mesh-gateways', ['GET']],
  ['/v1/internal/federation-state/', ['GET']],
  ['/v1/discovery-chain/', ['GET', 'POST']],
  ['/v1/exported-services', ['GET']],
  ['/v1/event/fire/', ['PUT']],
  ['/v1/event/list', ['GET']],
  ['/v1/health/node/', ['GET']],
  ['/v1/health/checks/', ['GET']],
  ['/v1/health/state/', ['GET']],
  ['/v1/health/service/', ['GET']],
  ['/v1/health/connect/', ['GET']],
  ['/v1/health/ingress/', ['GET']],
  ['/v1/internal/ui/metrics-proxy/', ['GET']],
  ['/v1/internal/ui/nodes', ['GET']],
  ['/v1/internal/ui/node/', ['GET']],
  ['/v1/internal/ui/services', ['GET']],
  ['/v1/internal/ui/exported-services', ['GET']],
  ['/v1/internal/ui/catalog-overview', ['GET']],
  ['/v1/internal/ui/gateway-services-nodes/', ['GET']],
  ['/v1/internal/ui/gateway-intentions/', ['GET']],
  ['/v1/internal/ui/service-topology/', ['GET']],
  ['/v1/internal/service-virtual-ip', ['PUT']],
  ['/v1/kv/', ['GET', 'PUT', 'DELETE']],
  ['/v1/operator/raft/configuration', ['GET']],
  ['/v1/operator/raft/transfer-leader', ['POST']],
  ['/v1/operator/raft/peer', ['DELETE']],
  ['/v1/operator/keyring', ['GET', 'POST', 'PUT', 'DELETE']],
  ['/v1/operator/usage', ['GET']],
  ['/v1/operator/utilization', ['GET']],
  ['/v1/operator/autopilot/configuration', ['GET', 'PUT']],
  ['/v1/operator/autopilot/health', ['GET']],
  ['/v1/operator/autopilot/state', ['GET']],
  ['/v1/peering/token', ['POST']],
  ['/v1/peering/establish', ['POST']],
  ['/v1/peering/', ['GET', 'DELETE']],
  ['/v1/peerings', ['GET']],
  ['/v1/query', ['GET', 'POST']],
  ['/v1/query/', []],
  ['/v1/session/create', ['PUT']],
  ['/v1/session/destroy/', ['PUT']],
  ['/v1/session/renew/', ['PUT']],
  ['/v1/session/info/', ['GET']],
  ['/v1/session/node/', ['GET']],
  ['/v1/session/list', ['GET']],
  ['/v1/status/leader', ['GET']],
  ['/v1/status/peers', ['GET']],
  ['/v1/snapshot', ['GET', 'PUT']],
  ['/v1/txn', ['PUT']],
];

export interface ConsulEndpoint {
  readonly pattern: string;
  /** Empty: any method. */
  readonly methods: readonly string[];
}

/** The endpoint Go's ServeMux would pick for `path`: an exact pattern, else the longest subtree pattern. */
export function consulEndpointFor(path: string): ConsulEndpoint | undefined {
  let best: ConsulEndpoint | undefined;
  for (const [pattern, methods] of consulEndpoints) {
    if (pattern === path) return { pattern, methods };
    if (
      pattern.endsWith('/') &&
      path.startsWith(pattern) &&
      (best === undefined || pattern.length > best.pattern.length)
    )
      best = { pattern, methods };
  }
  return best;
}

/** Whether `path` is exactly one of Consul's subtree patterns (`/v1/kv/`, `/v1/catalog/service/`). */
export function isSubtreeRoot(path: string): boolean {
  return path.endsWith('/') && consulEndpoints.some(([pattern]) => pattern === path);
}

/** Whether `path` is one of Consul's ACL endpoints (answered 401 `ACL support disabled` while ACLs are off). */
export function isAclEndpoint(endpoint: ConsulEndpoint): boolean {
  return endpoint.pattern.startsWith('/v1/acl/') || endpoint.pattern === '/v1/internal/acl/authorize';
}

/**
 * Go's ServeMux redirects a path that is not canonical (`//`, `/./`, `/../`) to its cleaned form with a 301;
 * undefined when `path` is already clean. A trailing slash is kept, as path.Clean drops it and ServeMux restores it.
 */
export function cleanedPath(path: string): string | undefined {
  if (!/\/\/|\/\.\.?(\/|$)/.test(path)) return undefined;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  let cleaned = `/${parts.join('/')}`;
  if (path.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned === path ? undefined : cleaned;
}
