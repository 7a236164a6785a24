// Consul CE's parseEntMeta and parseEntMetaPartition (agent/http_ce.go): namespaces and admin partitions are
// Consul Enterprise features, so the endpoints whose Consul handlers read them refuse any `?ns=` /
// `X-Consul-Namespace` and `?partition=` / `X-Consul-Partition` with 400 and Consul's text, instead of serving the
// default namespace as though it were the one asked for (two teams writing KV under their own namespaces would
// otherwise share keys without knowing). An empty value is none. Endpoints Consul CE never scopes (status,
// datacenters, prepared queries, txn, the CA, most of operator) ignore both, and the few that read only a
// partition (catalog/nodes, coordinate reads, agent members/join/force-leave, raft transfer-leader) ignore a
// namespace: each route file applies the check its Consul handler makes, no more.

import type { FastifyRequest } from 'fastify';
import type { ConsulRoute } from './consul-route.js';
import { BadRequestError } from './errors.js';
import { requestParams } from './query-options.js';

function headerOf(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Consul CE's parseEntMetaPartition: 400 when the request names a partition (header first, then query). */
export function refusePartition(request: FastifyRequest): void {
  if (headerOf(request, 'x-consul-partition') !== '')
    throw new BadRequestError('Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature');
  if ((requestParams(request).get('partition') ?? '') !== '')
    throw new BadRequestError('Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature');
}

/** Consul CE's parseEntMeta: 400 when the request names a namespace or partition (checked in Consul's order). */
export function refuseEnterpriseMeta(request: FastifyRequest): void {
  if (headerOf(request, 'x-consul-namespace') !== '')
    throw new BadRequestError('Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature');
  if ((requestParams(request).get('ns') ?? '') !== '')
    throw new BadRequestError('Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature');
  refusePartition(request);
}

/**
 * `routes` refusing a namespace or partition before anything else (body, ACL): for the endpoints whose Consul
 * handler calls parseEntMeta first. A handler that checks other things first calls refuseEnterpriseMeta itself.
 */
export function refusingEnterpriseMeta(routes: readonly ConsulRoute[]): ConsulRoute[] {
  return routes.map((route) => ({ ...route, precheck: refuseEnterpriseMeta }));
}

/** `routes` refusing a partition before anything else: for Consul handlers that call parseEntMetaPartition first. */
export function refusingPartition(routes: readonly ConsulRoute[]): ConsulRoute[] {
  return routes.map((route) => ({ ...route, precheck: refusePartition }));
}
