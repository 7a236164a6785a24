// /v1/internal/ui/*: Consul's endpoints for its web UI (agent/ui_endpoint.go), in its JSON shapes (see
// server/endpoints/internal-types.ts): every node with its services and checks, one node (404 with an empty body
// when absent), every service summarized, and a service's topology (`?kind=` required, as Consul). All blocking
// reads with the query-meta headers and `?dc`; `?filter=` applies to the node dump's nodes and to the service
// listing's health entries, where Consul supports it. Consul's other UI endpoints (gateway-services-nodes,
// gateway-intentions, exported-services, catalog-overview, metrics-proxy) are not built: no catch-all here, so
// the API's root not-found handler answers them as it answers every Consul path Lattice lacks (501 naming it).

import type { FastifyPluginAsync } from 'fastify';
import { NotImplementedError } from '../../../lib/errors.js';
import type { UiNodeInfo } from '../../../server/endpoints/internal-types.js';
import type { AclRequirement } from '../acl-hook.js';
import { type ConsulRoute, registerRoutes } from '../consul-route.js';
import { refusingEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { requestParams } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import { sendShared } from '../query-shared-body.js';
import { pathName, presentCheck, presentService, type ServerRouteDeps } from './server-deps.js';

/** NodeInfo as Consul sends it: each service with its omitempty fields dropped, checks with ServiceTags. */
function presentNodeInfo(info: UiNodeInfo): Record<string, unknown> {
  return {
    ...info,
    Services: (info.Services ?? []).map(presentService),
    Checks: (info.Checks ?? []).map(presentCheck),
  };
}

/** Consul's kinds for a topology: typical ('') and ingress-gateway; anything else is the caller's mistake. */
function topologyKindOrFail(params: URLSearchParams): string {
  const kind = params.get('kind');
  if (kind === null) throw new BadRequestError('Missing service kind');
  if (kind !== '' && kind !== 'ingress-gateway') throw new BadRequestError(`Unsupported service kind "${kind}"`);
  // An ingress gateway's topology is drawn from gateway-service links, which Lattice does not store yet.
  if (kind === 'ingress-gateway') throw new NotImplementedError('The topology of an ingress gateway');
  return kind;
}

export const internalUiRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const read = { rpc: deps.rpc, config: deps.config };
    const readNode: AclRequirement = { resource: 'node', access: 'read', name: (request) => pathName(request) };
    const readService: AclRequirement = { resource: 'service', access: 'read', name: (request) => pathName(request) };

    const routes: ConsulRoute[] = [
      {
        // Lists are filtered by the servers under ACLs, as Consul's NodeDump and ServiceDump.
        method: 'GET',
        url: '/nodes',
        acl: null,
        handler: async (request, reply) => {
          const { value } = await rpcRead(read, request, reply, 'Internal.NodeDump', () => ({}));
          return (value ?? []).map(presentNodeInfo);
        },
      },
      {
        method: 'GET',
        url: '/node/*',
        acl: readNode,
        handler: async (request, reply) => {
          const node = pathName(request);
          if (node === '') throw new BadRequestError('Missing node name');
          const { value } = await rpcRead(read, request, reply, 'Internal.NodeInfo', () => ({ Node: node }));
          const first = (value ?? [])[0];
          if (first === undefined) return reply.code(404).send('');
          return presentNodeInfo(first);
        },
      },
      {
        method: 'GET',
        url: '/services',
        acl: null,
        handler: async (request, reply) => {
          const { value } = await rpcRead(read, request, reply, 'Internal.ServiceDump', () => ({}));
          // Every open services page gets the same answer object after a write (the servers' per-generation
          // listing, shared blocking reads here): serialize it once for all of them.
          return sendShared(reply, value ?? []);
        },
      },
      {
        method: 'GET',
        url: '/service-topology/*',
        acl: readService,
        handler: async (request, reply) => {
          const service = pathName(request);
          if (service === '') throw new BadRequestError('Missing service name');
          const kind = topologyKindOrFail(requestParams(request));
          const { value } = await rpcRead(read, request, reply, 'Internal.ServiceTopology', () => ({
            ServiceName: service,
            ServiceKind: kind,
          }));
          return value;
        },
      },
    ];
    // Consul's UINodes, UINodeInfo, UIServices and UIServiceTopology all call parseEntMeta.
    registerRoutes(scope, refusingEnterpriseMeta(routes));
  };
