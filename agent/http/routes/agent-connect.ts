// /v1/agent/connect/*: the agent's cached CA roots and leaf certificates (blocking with ?index=&wait=, answered
// from agent/connect without a server call once cached) and authorize (Consul agent_endpoint.go
// AgentConnectCARoots, AgentConnectCALeafCert, AgentConnectAuthorize): the decision comes from the intention table
// the agent keeps fresh with a blocking watch, never a server call per request.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentConnect } from '../../connect/agent-connect.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { readJsonBody } from '../decode-body.js';
import { refuseEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { parseIndexParam, parseWaitParam, type QueryConfig, requestParams } from '../query-options.js';
import { field } from './connect-ca.js';

export interface AgentConnectRouteDeps {
  readonly connect: AgentConnect;
  readonly config: QueryConfig;
}

function blocking(request: FastifyRequest, reply: FastifyReply, config: QueryConfig) {
  const params = requestParams(request);
  return {
    minIndex: parseIndexParam(params.get('index')),
    waitMs: parseWaitParam(params.get('wait'), config),
    signal: clientGoneSignal(reply),
  };
}

export const agentConnectRoutes =
  (deps: AgentConnectRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { connect, config } = deps;
    const serviceWrite: AclRequirement = {
      resource: 'service',
      access: 'write',
      name: (request) => (request.params as { service?: string }).service ?? '',
    };
    const routes: ConsulRoute[] = [
      {
        method: 'GET',
        url: '/ca/roots',
        acl: null,
        handler: async (request, reply) => {
          const { index, value } = await connect.roots(blocking(request, reply, config));
          void reply.header('X-Consul-Index', String(Math.max(1, index)));
          return value;
        },
      },
      {
        method: 'GET',
        url: '/ca/leaf/:service',
        precheck: refuseEnterpriseMeta,
        acl: serviceWrite,
        handler: async (request, reply) => {
          const service = (request.params as { service: string }).service;
          if (service === '') throw new BadRequestError('Missing service name');
          const { index, value } = await connect.leaf(service, blocking(request, reply, config));
          void reply.header('X-Consul-Index', String(Math.max(1, index)));
          return value;
        },
      },
      {
        method: 'POST',
        url: '/authorize',
        precheck: refuseEnterpriseMeta,
        acl: {
          resource: 'service',
          access: 'write',
          name: (request) => {
            const body = request.body as Record<string, unknown> | null;
            const target = body && typeof body === 'object' ? field(body, 'Target') : '';
            return typeof target === 'string' ? target : '';
          },
        },
        handler: async (request, reply) => {
          const body = readJsonBody(request);
          if (typeof body !== 'object' || body === null || Array.isArray(body))
            throw new BadRequestError('Request decode failed: body must be a JSON object');
          const fields = body as Record<string, unknown>;
          const text = (name: string): string => {
            const value = field(fields, name);
            return typeof value === 'string' ? value : '';
          };
          const namespace = text('Namespace');
          const result = await connect.authorize(
            {
              Target: text('Target'),
              ClientCertURI: text('ClientCertURI'),
              ClientCertSerial: text('ClientCertSerial'),
              ...(namespace ? { Namespace: namespace } : {}),
            },
            clientGoneSignal(reply),
          );
          return { Authorized: result.Authorized, Reason: result.Reason };
        },
      },
    ];
    registerRoutes(scope, routes);
    refuseUnknownPaths(scope);
  };
