// /v1/connect/ca/*: the roots (blocking; `?pem` → the PEM bundle as application/pem-certificate-chain) and the CA
// configuration (GET; PUT validates, and rotates the root when the key changes). Consul connect_ca_endpoint.go.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { readJsonBody } from '../decode-body.js';
import { BadRequestError } from '../errors.js';
import { hasFlag, parseWriteContext, requestParams } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import type { ServerRouteDeps } from './server-deps.js';

/** Reads a key of a JSON object whatever its case (Go's encoding/json). */
export function field(body: Record<string, unknown>, name: string): unknown {
  if (name in body) return body[name];
  const folded = name.toLowerCase();
  for (const [key, value] of Object.entries(body)) if (key.toLowerCase() === folded) return value;
  return undefined;
}

export const connectCaRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    const operatorRead: AclRequirement = { resource: 'operator', access: 'read', name: () => '' };
    const operatorWrite: AclRequirement = { resource: 'operator', access: 'write', name: () => '' };
    const write = (request: FastifyRequest, reply: FastifyReply) => {
      const { datacenter, token } = parseWriteContext(request, config);
      return { context: { datacenter, token }, signal: clientGoneSignal(reply) };
    };
    const routes: ConsulRoute[] = [
      {
        method: 'GET',
        url: '/roots',
        acl: null,
        handler: async (request, reply) => {
          const { value } = await rpcRead(read, request, reply, 'ConnectCA.Roots', () => ({}));
          if (hasFlag(requestParams(request), 'pem')) {
            const bundle = value.Roots.map((root) =>
              [root.RootCert, ...(root.IntermediateCerts ?? [])].map((pem) => pem.trimEnd()).join('\n'),
            ).join('\n');
            return reply.type('application/pem-certificate-chain').send(bundle === '' ? '' : `${bundle}\n`);
          }
          return value;
        },
      },
      {
        method: 'GET',
        url: '/configuration',
        acl: operatorRead,
        handler: async (request, reply) => {
          const { value } = await rpcRead(read, request, reply, 'ConnectCA.ConfigurationGet', () => ({}));
          return value;
        },
      },
      {
        method: 'PUT',
        url: '/configuration',
        acl: operatorWrite,
        handler: async (request, reply) => {
          const body = readJsonBody(request);
          if (typeof body !== 'object' || body === null || Array.isArray(body))
            throw new BadRequestError('Request decode failed: body must be a JSON object');
          const fields = body as Record<string, unknown>;
          const given = field(fields, 'Config') ?? {};
          if (typeof given !== 'object' || given === null || Array.isArray(given))
            throw new BadRequestError('Request decode failed: Config must be a map');
          const provider = field(fields, 'Provider');
          await rpc.call(
            'ConnectCA.ConfigurationSet',
            {
              ...(typeof provider === 'string' ? { Provider: provider } : {}),
              Config: given as Record<string, unknown>,
              ForceWithoutCrossSigning: field(fields, 'ForceWithoutCrossSigning') === true,
            },
            write(request, reply),
          );
          return reply.send();
        },
      },
    ];
    registerRoutes(scope, routes);
    refuseUnknownPaths(scope);
  };
