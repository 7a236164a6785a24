// /v1/config*: config entries (Consul config_endpoint.go): PUT /v1/config (?cas=) → true/false, GET
// /v1/config/:kind/:name (404 when absent) and GET /v1/config/:kind (blocking), DELETE /v1/config/:kind/:name
// (?cas=) → true/false. Kinds beyond service-defaults, proxy-defaults and service-intentions answer 501.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LatticeError } from '../../../lib/errors.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { readJsonBody } from '../decode-body.js';
import { refuseEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { parseIndexParam, parseWriteContext, requestParams } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import type { ServerRouteDeps } from './server-deps.js';

function casOf(request: FastifyRequest): number | undefined {
  const value = requestParams(request).get('cas');
  if (value === null) return undefined;
  try {
    return parseIndexParam(value);
  } catch {
    throw new BadRequestError('Request decode failed: cas must be a number');
  }
}

export const configEntryRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    const entryRead: AclRequirement = { resource: 'service', access: 'read', name: () => '' };
    const entryWrite: AclRequirement = { resource: 'operator', access: 'write', name: () => '' };
    const write = (request: FastifyRequest, reply: FastifyReply) => {
      const { datacenter, token } = parseWriteContext(request, config);
      return { context: { datacenter, token }, signal: clientGoneSignal(reply) };
    };
    const params = (request: FastifyRequest) => request.params as { kind: string; name: string };
    const routes: ConsulRoute[] = [
      {
        method: 'PUT',
        url: '/',
        acl: entryWrite,
        handler: async (request, reply) => {
          const body = readJsonBody(request);
          if (typeof body !== 'object' || body === null || Array.isArray(body))
            throw new BadRequestError('Request decode failed: body must be a JSON object');
          // Consul's ConfigApply decodes the entry before it parses enterprise meta.
          refuseEnterpriseMeta(request);
          const cas = casOf(request);
          return rpc.call(
            'ConfigEntry.Apply',
            { Entry: body as Record<string, unknown>, ...(cas === undefined ? {} : { CasIndex: cas }) },
            write(request, reply),
          );
        },
      },
      {
        method: 'GET',
        url: '/:kind',
        precheck: refuseEnterpriseMeta,
        acl: entryRead,
        handler: async (request, reply) => {
          const { kind } = params(request);
          return (await rpcRead(read, request, reply, 'ConfigEntry.List', () => ({ Kind: kind }))).value;
        },
      },
      {
        method: 'GET',
        url: '/:kind/:name',
        precheck: refuseEnterpriseMeta,
        acl: entryRead,
        handler: async (request, reply) => {
          const { kind, name } = params(request);
          const { value } = await rpcRead(read, request, reply, 'ConfigEntry.Get', () => ({ Kind: kind, Name: name }));
          if (value === null)
            throw new LatticeError('ERR_NOT_FOUND', `Config entry not found for "${kind}" / "${name}"`);
          return value;
        },
      },
      {
        method: 'DELETE',
        url: '/:kind/:name',
        precheck: refuseEnterpriseMeta,
        acl: entryWrite,
        handler: async (request, reply) => {
          const { kind, name } = params(request);
          const cas = casOf(request);
          return rpc.call(
            'ConfigEntry.Delete',
            { Kind: kind, Name: name, ...(cas === undefined ? {} : { CasIndex: cas }) },
            write(request, reply),
          );
        },
      },
    ];
    registerRoutes(scope, routes);
    refuseUnknownPaths(scope);
  };
