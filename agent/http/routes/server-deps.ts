// What every server-backed route family (catalog, health, status, coordinate, operator, snapshot) is built from:
// the RPC client to the servers, the agent's configuration and a logger. Shapes shared by their answers live here
// too, so each family presents rows the same way.

import type { Logger } from '../../../lib/log.js';
import type { RpcClient } from '../../../server/rpc/methods.js';
import type { CatalogService, HealthCheck, NodeService, ServiceEntry } from '../../../server/state/types.js';
import type { AgentConfig } from '../../config/types.js';

export interface ServerRouteDeps {
  readonly rpc: RpcClient;
  readonly config: AgentConfig;
  readonly log: Logger;
}

/**
 * A NodeService as Consul's JSON shows it: `Kind`, `Proxy`, `Connect` and `SocketPath` are omitempty (reference
 * §3), and `Tags`/`Meta` are never null.
 */
export function presentService(service: NodeService): Record<string, unknown> {
  const out: Record<string, unknown> = { ...service, Tags: service.Tags ?? [], Meta: service.Meta ?? {} };
  for (const field of ['Kind', 'Proxy', 'Connect', 'SocketPath'] as const) if (!service[field]) delete out[field];
  return out;
}

export function presentCheck(check: HealthCheck): HealthCheck {
  return check.ServiceTags ? check : { ...check, ServiceTags: [] };
}

export function presentCatalogService(row: CatalogService): CatalogService {
  return row.ServiceTags ? row : { ...row, ServiceTags: [] };
}

export function presentEntry(entry: ServiceEntry): Record<string, unknown> {
  return { Node: entry.Node, Service: presentService(entry.Service), Checks: (entry.Checks ?? []).map(presentCheck) };
}

/** The path's trailing name (`/service/*`), which Consul takes whole, slashes included; 400 when empty. */
export function pathName(request: { readonly params: unknown }): string {
  return (request.params as Record<string, string | undefined>)['*'] ?? '';
}
