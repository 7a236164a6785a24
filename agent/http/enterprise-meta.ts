// Consul CE's parseEntMeta (agent/http_ce.go): namespaces and admin partitions are Consul Enterprise features, so
// the endpoints that read them refuse any `?ns=` / `X-Consul-Namespace` and `?partition=` / `X-Consul-Partition`
// with 400 and Consul's text, instead of serving the default namespace as though it were the one asked for (two
// teams writing KV under their own namespaces would otherwise share keys without knowing). An empty value is none.

import type { FastifyRequest } from 'fastify';
import type { ConsulRoute } from './consul-route.js';
import { BadRequestError } from './errors.js';
import { requestParams } from './query-options.js';

function headerOf(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Throws Consul CE's 400 when the request names a namespace or partition (checked in Consul's order). */
export function refuseEnterpriseMeta(request: FastifyRequest): void {
  const params = requestParams(request);
  if (headerOf(request, 'x-consul-namespace') !== '')
    throw new BadRequestError('Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature');
  if ((params.get('ns') ?? '') !== '')
    throw new BadRequestError('Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature');
  if (headerOf(request, 'x-consul-partition') !== '')
    throw new BadRequestError('Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature');
  if ((params.get('partition') ?? '') !== '')
    throw new BadRequestError('Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature');
}

/** `routes` with the refusal run before each handler: for the endpoints that call parseEntMeta in Consul. */
export function refusingEnterpriseMeta(routes: readonly ConsulRoute[]): ConsulRoute[] {
  return routes.map((route) => ({
    ...route,
    handler: async (request, reply) => {
      refuseEnterpriseMeta(request);
      return route.handler(request, reply);
    },
  }));
}
