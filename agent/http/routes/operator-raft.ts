// /v1/operator/raft/*: the servers' Raft configuration (`?stale` honoured), removing a dead peer by `?id=` or
// `?address=`, and handing leadership over (Consul agent/operator_endpoint.go). operator:read / operator:write.

import type { FastifyPluginAsync } from 'fastify';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { refusePartition } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { parseWriteContext } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import type { ServerRouteDeps } from './server-deps.js';

const operatorRead: AclRequirement = { resource: 'operator', access: 'read', name: () => '' };
const operatorWrite: AclRequirement = { resource: 'operator', access: 'write', name: () => '' };

export const operatorRaftRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/configuration',
        acl: operatorRead,
        handler: async (request, reply) => {
          const { value } = await rpcRead({ rpc, config }, request, reply, 'Operator.RaftGetConfiguration', () => ({}));
          return { Servers: value.Servers ?? [], Index: value.Index };
        },
      },
      {
        method: 'DELETE',
        url: '/peer',
        acl: operatorWrite,
        handler: async (request, reply) => {
          const { params, datacenter, token } = parseWriteContext(request, config);
          const hasId = params.has('id');
          const hasAddress = params.has('address');
          if (!hasId && !hasAddress)
            throw new BadRequestError(
              "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove",
            );
          if (hasId && hasAddress) throw new BadRequestError('Must specify only one of ?id or ?address');
          const args = hasId ? { ID: params.get('id') ?? '' } : { Address: params.get('address') ?? '' };
          await rpc.call('Operator.RaftRemovePeer', args, {
            context: { datacenter, token },
            signal: clientGoneSignal(reply),
          });
          return reply.send();
        },
      },
      {
        method: 'POST',
        url: '/transfer-leader',
        precheck: refusePartition,
        acl: operatorWrite,
        handler: async (request, reply) => {
          const { params, datacenter, token } = parseWriteContext(request, config);
          const id = params.get('id') ?? '';
          await rpc.call('Operator.RaftTransferLeader', id === '' ? {} : { ID: id }, {
            context: { datacenter, token },
            signal: clientGoneSignal(reply),
          });
          return { Success: true };
        },
      },
    ]);
    refuseUnknownPaths(scope);
  };
