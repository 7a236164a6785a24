// /v1/operator/autopilot/*: autopilot's view of server health (Consul agent/operator_endpoint.go), 200 when the
// cluster is healthy and 429 with the same body when it is not, so load balancers and scripts can act on the
// status alone. The autopilot configuration and state endpoints are not built yet and say so with a 501.

import type { FastifyPluginAsync } from 'fastify';
import { NotImplementedError } from '../../../lib/errors.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { parseWriteContext } from '../query-options.js';
import type { ServerRouteDeps } from './server-deps.js';

const operatorRead: AclRequirement = { resource: 'operator', access: 'read', name: () => '' };
const operatorWrite: AclRequirement = { resource: 'operator', access: 'write', name: () => '' };

export const operatorAutopilotRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const notBuilt = (what: string) => async (): Promise<never> => {
      throw new NotImplementedError(what);
    };
    registerRoutes(scope, [
      {
        method: 'GET',
        url: '/health',
        acl: operatorRead,
        handler: async (request, reply) => {
          const { datacenter, token } = parseWriteContext(request, config);
          const health = await rpc.call(
            'Operator.AutopilotServerHealth',
            {},
            { context: { datacenter, token }, signal: clientGoneSignal(reply) },
          );
          if (!health.Healthy) void reply.code(429);
          return { ...health, Servers: health.Servers ?? [] };
        },
      },
      {
        method: 'GET',
        url: '/configuration',
        acl: operatorRead,
        handler: notBuilt('reading the autopilot configuration (/v1/operator/autopilot/configuration)'),
      },
      {
        method: 'PUT',
        url: '/configuration',
        acl: operatorWrite,
        handler: notBuilt('changing the autopilot configuration (/v1/operator/autopilot/configuration)'),
      },
      {
        method: 'GET',
        url: '/state',
        acl: operatorRead,
        handler: notBuilt('the autopilot state (/v1/operator/autopilot/state)'),
      },
    ]);
    refuseUnknownPaths(scope);
  };
