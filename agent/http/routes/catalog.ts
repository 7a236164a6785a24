// /v1/catalog/*: register and deregister (answered `true`), and the catalog reads, forwarded to the servers by
// `?dc` (Consul agent/catalog_endpoint.go). Reads are blocking and take the consistency modes; lists honour
// `?node-meta`, `?filter` and `?near`, answer `[]`/`{}` rather than null, and the one null Consul sends is
// `GET /catalog/node/<unknown>`. ACL: writes declare node/service write; list reads are filtered by the servers.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { setOwn } from '../../../lib/records.js';
import type { CatalogService, Node, RegisterRequest } from '../../../server/state/types.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { type BodySchema, decodeBody, defineSchema, readJsonBody } from '../decode-body.js';
import { refuseEnterpriseMeta, refusePartition } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { parseWriteContext } from '../query-options.js';
import { rpcRead, rpcReadNear } from '../query-read.js';
import { presentOnce, sendShared } from '../query-shared-body.js';
import { pathName, presentCatalogService, presentService, type ServerRouteDeps } from './server-deps.js';

/** A check's type-specific settings; node-consul sends the Go-internal `IntervalDuration` spellings (GH-5477). */
const definitionSchema = defineSchema(
  {
    HTTP: 'string',
    Header: 'any',
    Method: 'string',
    Body: 'string',
    TLSServerName: 'string',
    TLSSkipVerify: 'boolean',
    TCP: 'string',
    UDP: 'string',
    GRPC: 'string',
    GRPCUseTLS: 'boolean',
    OSService: 'string',
    Interval: 'duration',
    Timeout: 'duration',
    DeregisterCriticalServiceAfter: 'duration',
  },
  {
    IntervalDuration: 'Interval',
    TimeoutDuration: 'Timeout',
    DeregisterCriticalServiceAfterDuration: 'DeregisterCriticalServiceAfter',
  },
);

export const catalogCheckSchema: BodySchema = defineSchema({
  Node: 'string',
  CheckID: 'string',
  Name: 'string',
  Status: 'string',
  Notes: 'string',
  Output: 'string',
  ServiceID: 'string',
  ServiceName: 'string',
  ServiceTags: 'stringList',
  Type: 'string',
  Interval: 'duration',
  Timeout: 'duration',
  ExposedPort: 'integer',
  Definition: { object: definitionSchema },
});

const serviceAddressSchema = defineSchema({ Address: 'string', Port: 'integer' });

export const catalogServiceSchema: BodySchema = defineSchema({
  ID: 'string',
  Service: 'string',
  Tags: 'stringList',
  Address: 'string',
  TaggedAddresses: { mapOf: serviceAddressSchema },
  Meta: 'stringMap',
  Port: 'integer',
  Weights: { object: defineSchema({ Passing: 'integer', Warning: 'integer' }) },
  EnableTagOverride: 'boolean',
  Kind: 'string',
  Proxy: 'any',
  Connect: 'any',
  SocketPath: 'string',
});

const registerSchema = defineSchema({
  ID: 'string',
  Node: 'string',
  Address: 'string',
  Datacenter: 'string',
  TaggedAddresses: 'stringMap',
  NodeMeta: 'stringMap',
  Service: { object: catalogServiceSchema },
  Check: { object: catalogCheckSchema },
  Checks: { list: catalogCheckSchema },
  SkipNodeUpdate: 'boolean',
});

const deregisterSchema = defineSchema({
  Node: 'string',
  Datacenter: 'string',
  ServiceID: 'string',
  CheckID: 'string',
});

function decodeWriteBody(request: FastifyRequest, schema: BodySchema): Record<string, unknown> {
  const body = readJsonBody(request);
  return body === undefined ? {} : decodeBody(schema, body);
}

function nameOrFail(request: FastifyRequest, what: 'service' | 'node'): string {
  const name = pathName(request);
  if (name === '') throw new BadRequestError(what === 'service' ? 'Missing service name' : 'Missing node name');
  return name;
}

export const catalogRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    // Writes name the node they touch; the service, when given, needs service:write too (checked by the servers
    // once ACLs exist, as Consul's Catalog.Register does per service and check).
    const writeNode: AclRequirement = {
      resource: 'node',
      access: 'write',
      name: (request) => {
        const body = readJsonBody(request) as { Node?: unknown; node?: unknown } | undefined;
        const node = body?.Node ?? body?.node;
        return typeof node === 'string' ? node : '';
      },
    };
    const readNode: AclRequirement = { resource: 'node', access: 'read', name: (request) => pathName(request) };
    const readService: AclRequirement = { resource: 'service', access: 'read', name: (request) => pathName(request) };

    const routes: ConsulRoute[] = [
      {
        method: 'PUT',
        url: '/register',
        precheck: refuseEnterpriseMeta,
        acl: writeNode,
        handler: async (request, reply) => {
          const body = decodeWriteBody(request, registerSchema) as unknown as RegisterRequest;
          const { datacenter, token } = parseWriteContext(request, config);
          const target = body.Datacenter || datacenter;
          await rpc.call(
            'Catalog.Register',
            { ...body, Datacenter: target },
            { context: { datacenter: target, token }, signal: clientGoneSignal(reply) },
          );
          return true;
        },
      },
      {
        method: 'PUT',
        url: '/deregister',
        precheck: refuseEnterpriseMeta,
        acl: writeNode,
        handler: async (request, reply) => {
          const body = decodeWriteBody(request, deregisterSchema) as { Node?: string; Datacenter?: string };
          const { datacenter, token } = parseWriteContext(request, config);
          const target = body.Datacenter || datacenter;
          await rpc.call(
            'Catalog.Deregister',
            { ...body, Node: body.Node ?? '', Datacenter: target },
            { context: { datacenter: target, token }, signal: clientGoneSignal(reply) },
          );
          return true;
        },
      },
      {
        // Not blocking and needs no leader: every server knows the WAN pool (Consul sends no index headers here).
        method: 'GET',
        url: '/datacenters',
        acl: null,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          const list = await rpc.call(
            'Catalog.ListDatacenters',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          return list ?? [];
        },
      },
      {
        method: 'GET',
        url: '/nodes',
        precheck: refusePartition,
        acl: null,
        handler: async (request, reply) =>
          rpcReadNear(
            read,
            request,
            reply,
            'Catalog.ListNodes',
            () => ({}),
            (nodes) => nodes ?? [],
            (node: Node) => node.Node,
          ),
      },
      {
        method: 'GET',
        url: '/services',
        precheck: refuseEnterpriseMeta,
        acl: null,
        handler: async (request, reply) => {
          const { value } = await rpcRead(read, request, reply, 'Catalog.ListServices', () => ({}));
          return value ?? {};
        },
      },
      ...(['service', 'connect'] as const).map(
        (kind): ConsulRoute => ({
          method: 'GET',
          url: `/${kind}/*`,
          precheck: refuseEnterpriseMeta,
          acl: readService,
          handler: async (request, reply) => {
            const name = nameOrFail(request, 'service');
            const rows = await rpcReadNear(
              read,
              request,
              reply,
              'Catalog.ServiceNodes',
              (query) => ({ ServiceName: name, ServiceTags: query.params.getAll('tag'), Connect: kind === 'connect' }),
              (list) => list ?? [],
              (row: CatalogService) => row.Node,
            );
            // Watchers of one service share one answer (blocking-coalesce.ts): present and serialize it once.
            return sendShared(
              reply,
              presentOnce(rows, 'catalog-services', () => rows.map(presentCatalogService)),
            );
          },
        }),
      ),
      {
        method: 'GET',
        url: '/node/*',
        precheck: refuseEnterpriseMeta,
        acl: readNode,
        handler: async (request, reply) => {
          const node = nameOrFail(request, 'node');
          const { value } = await rpcRead(read, request, reply, 'Catalog.NodeServices', () => ({ Node: node }));
          if (value === null) return null;
          const services: Record<string, unknown> = {};
          for (const service of value.Services ?? []) setOwn(services, service.ID, presentService(service));
          return { Node: value.Node, Services: services };
        },
      },
      {
        method: 'GET',
        url: '/node-services/*',
        precheck: refuseEnterpriseMeta,
        acl: readNode,
        handler: async (request, reply) => {
          const node = nameOrFail(request, 'node');
          const { value } = await rpcRead(read, request, reply, 'Catalog.NodeServices', () => ({ Node: node }));
          if (value === null) return { Node: null, Services: [] };
          return { Node: value.Node, Services: (value.Services ?? []).map(presentService) };
        },
      },
    ];
    registerRoutes(scope, routes);
    refuseUnknownPaths(scope);
  };
