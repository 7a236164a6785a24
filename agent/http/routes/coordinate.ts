// /v1/coordinate/*: network coordinates (Consul agent/coordinate_endpoint.go). `nodes` and `node/:node` are blocking
// reads of the LAN coordinates the servers hold (`?segment` filters; an unknown node is a 404 with the index
// headers); `update` writes one node's coordinate. `datacenters` lists each datacenter the answering server's WAN
// pool knows with the WAN coordinates of its servers (Consul's Coordinate.ListDatacenters, AreaID "wan").

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { CoordinateEntry, CoordinateUpdate } from '../../../server/state/types.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { decodeBody, defineSchema, readJsonBody } from '../decode-body.js';
import { refuseEnterpriseMeta, refusePartition } from '../enterprise-meta.js';
import { parseWriteContext, requestParams } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import { pathName, type ServerRouteDeps } from './server-deps.js';

const coordinateSchema = defineSchema({ Vec: 'any', Error: 'number', Adjustment: 'number', Height: 'number' });
const updateSchema = defineSchema({
  Node: 'string',
  Segment: 'string',
  Coord: { object: coordinateSchema },
  Datacenter: 'string',
});

/** Consul's filterCoordinates: `?segment` (even empty) keeps that segment only. */
function bySegment(request: FastifyRequest, entries: readonly CoordinateEntry[]): CoordinateEntry[] {
  const params = requestParams(request);
  if (!params.has('segment')) return [...entries];
  const segment = params.get('segment') ?? '';
  return entries.filter((entry) => entry.Segment === segment);
}

export const coordinateRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    const readNode: AclRequirement = { resource: 'node', access: 'read', name: (request) => pathName(request) };
    const writeNode: AclRequirement = {
      resource: 'node',
      access: 'write',
      name: (request) => {
        const body = readJsonBody(request) as { Node?: unknown; node?: unknown } | undefined;
        const node = body?.Node ?? body?.node;
        return typeof node === 'string' ? node : '';
      },
    };
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/datacenters',
        acl: null,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          const maps = await rpc.call(
            'Coordinate.ListDatacenters',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          return maps ?? [];
        },
      },
      {
        // Filtered per node by the servers under ACLs.
        method: 'GET',
        url: '/nodes',
        precheck: refusePartition,
        acl: null,
        handler: async (request, reply) => {
          const { value } = await rpcRead(read, request, reply, 'Coordinate.ListNodes', () => ({}));
          return bySegment(request, value ?? []);
        },
      },
      {
        method: 'GET',
        url: '/node/*',
        precheck: refusePartition,
        acl: readNode,
        handler: async (request, reply) => {
          const node = pathName(request);
          const { value } = await rpcRead(read, request, reply, 'Coordinate.Node', () => ({ Node: node }));
          const entries = bySegment(request, value ?? []);
          if (entries.length === 0) return reply.code(404).send();
          return entries;
        },
      },
      {
        method: 'PUT',
        url: '/update',
        acl: writeNode,
        handler: async (request, reply) => {
          const raw = readJsonBody(request);
          const body = (raw === undefined ? {} : decodeBody(updateSchema, raw)) as Partial<CoordinateUpdate> & {
            Datacenter?: string;
          };
          // Consul's CoordinateUpdate decodes the body before it parses enterprise meta.
          refuseEnterpriseMeta(request);
          const { datacenter, token } = parseWriteContext(request, config);
          const { Datacenter: _ignored, ...update } = body;
          await rpc.call('Coordinate.Update', update as CoordinateUpdate, {
            context: { datacenter, token },
            signal: clientGoneSignal(reply),
          });
          // Consul answers an empty 200.
          return reply.send();
        },
      },
    ]);
    refuseUnknownPaths(scope);
  };
