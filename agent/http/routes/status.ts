// /v1/status/leader and /v1/status/peers: the leader's RPC address as a JSON string ("" when there is none) and the
// Raft voters' addresses, from the servers of `?dc` (Consul agent/status_endpoint.go). Not blocking, no index;
// Consul asks no ACL permission for either.

import type { FastifyPluginAsync } from 'fastify';
import { clientGoneSignal } from '../blocking.js';
import { refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { parseWriteContext } from '../query-options.js';
import type { ServerRouteDeps } from './server-deps.js';

export const statusRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/leader',
        acl: null,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          const leader = await rpc.call(
            'Status.Leader',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          // A bare JSON string: fastify would send a string as text, so it is serialized here.
          return reply.type('application/json').send(JSON.stringify(leader ?? ''));
        },
      },
      {
        method: 'GET',
        url: '/peers',
        acl: null,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          const peers = await rpc.call(
            'Status.Peers',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          return peers ?? [];
        },
      },
    ]);
    refuseUnknownPaths(scope);
  };
