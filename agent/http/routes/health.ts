// /v1/health/*: checks by node, service and state, and service entries (node + service + checks) with `?tag`
// (repeatable, all required), `?passing` (ParseBool; drops entries with any non-passing check, node checks too),
// `?near`, `?node-meta` and `?filter` (Consul agent/health_endpoint.go). All blocking reads, forwarded by `?dc`.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { HealthCheck, ServiceEntry } from '../../../server/state/types.js';
import type { AclRequirement } from '../acl-hook.js';
import { type ConsulRoute, refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { refusingEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { parseBoolParam, requestParams } from '../query-options.js';
import { rpcRead, rpcReadNear } from '../query-read.js';
import { presentOnce, sendShared } from '../query-shared-body.js';
import { pathName, presentCheck, presentEntry, type ServerRouteDeps } from './server-deps.js';

const checkStates = ['any', 'passing', 'warning', 'critical'] as const;
type CheckState = (typeof checkStates)[number];

function nameOrFail(request: FastifyRequest, missing: string): string {
  const name = pathName(request);
  if (name === '') throw new BadRequestError(missing);
  return name;
}

function stateOrFail(request: FastifyRequest): CheckState {
  const state = nameOrFail(request, 'Missing check state');
  if (!(checkStates as readonly string[]).includes(state)) throw new BadRequestError(`Invalid state: ${state}`);
  return state as CheckState;
}

export const healthRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const read = { rpc: deps.rpc, config: deps.config };
    const readNode: AclRequirement = { resource: 'node', access: 'read', name: (request) => pathName(request) };
    const readService: AclRequirement = { resource: 'service', access: 'read', name: (request) => pathName(request) };
    const byCheckNode = (check: HealthCheck): string => check.Node;

    const routes: ConsulRoute[] = [
      {
        method: 'GET',
        url: '/node/*',
        acl: readNode,
        handler: async (request, reply) => {
          const node = nameOrFail(request, 'Missing node name');
          const { value } = await rpcRead(read, request, reply, 'Health.NodeChecks', () => ({ Node: node }));
          return (value ?? []).map(presentCheck);
        },
      },
      {
        method: 'GET',
        url: '/checks/*',
        acl: readService,
        handler: async (request, reply) => {
          const name = nameOrFail(request, 'Missing service name');
          const rows = await rpcReadNear(
            read,
            request,
            reply,
            'Health.ServiceChecks',
            () => ({ ServiceName: name }),
            (list) => list ?? [],
            byCheckNode,
          );
          return rows.map(presentCheck);
        },
      },
      {
        // Filtered by the servers under ACLs (Consul needs no single permission for a state listing).
        method: 'GET',
        url: '/state/*',
        acl: null,
        handler: async (request, reply) => {
          const state = stateOrFail(request);
          const rows = await rpcReadNear(
            read,
            request,
            reply,
            'Health.ChecksInState',
            () => ({ State: state }),
            (list) => list ?? [],
            byCheckNode,
          );
          return rows.map(presentCheck);
        },
      },
      ...(['service', 'connect'] as const).map(
        (kind): ConsulRoute => ({
          method: 'GET',
          url: `/${kind}/*`,
          acl: readService,
          handler: async (request, reply) => {
            const name = nameOrFail(request, 'Missing service name');
            // Parsed before the RPC so a bad value costs no server work (Consul parses it after).
            const passingOnly = parseBoolParam(requestParams(request), 'passing');
            const rows = await rpcReadNear(
              read,
              request,
              reply,
              'Health.ServiceNodes',
              (query) => ({
                ServiceName: name,
                ServiceTags: query.params.getAll('tag'),
                PassingOnly: passingOnly,
                Connect: kind === 'connect',
              }),
              (list) => list ?? [],
              (entry: ServiceEntry) => entry.Node.Node,
            );
            // Watchers of one service share one answer (blocking-coalesce.ts): present and serialize it once.
            return sendShared(
              reply,
              presentOnce(rows, 'health-entries', () => rows.map(presentEntry)),
            );
          },
        }),
      ),
    ];
    // Every Consul health handler calls parseEntMeta first.
    registerRoutes(scope, refusingEnterpriseMeta(routes));
    refuseUnknownPaths(scope);
  };
