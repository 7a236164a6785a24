// /v1/agent/checks and /check/*: the agent's own checks. TTL checks take results from outside (pass, warn, fail,
// update); other kinds refuse them. Writes answer 200 with an empty body.

import type { FastifyRequest } from 'fastify';
import { setOwn } from '../../../lib/records.js';
import { filterSchemas } from '../../../server/filter/index.js';
import type { HealthStatus } from '../../../server/state/types.js';
import { isPlainObject } from '../../config/schema.js';
import { decodeCheckBody } from '../../local/decode.js';
import { UnknownCheckError } from '../../local/registrar.js';
import type { AgentHandle } from '../../runtime/handle.js';
import type { AclRequirement } from '../acl-hook.js';
import { resolveToken } from '../acl-hook.js';
import type { ConsulRoute } from '../consul-route.js';
import { readJsonBody } from '../decode-body.js';
import { refuseEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { requestParams } from '../query-options.js';
import { filterRecord, presentAgentCheck } from './agent-present.js';

const param = (request: FastifyRequest, name: string): string =>
  (request.params as Record<string, string | undefined>)[name] ?? '';

/** Consul truncates notes and outputs sent through the TTL endpoints to the check's output limit (4 KB). */
const ttlOutputBytesMax = 4096;

export function agentCheckRoutes(deps: { readonly agent: AgentHandle; readonly nodeName: string }): ConsulRoute[] {
  const { agent } = deps;
  const agentRead: AclRequirement = { resource: 'agent', access: 'read', name: () => deps.nodeName };
  // Consul checks service:write for a service check and node:write for a node check; the name is the check's.
  const checkWrite: AclRequirement = { resource: 'node', access: 'write', name: () => deps.nodeName };

  // Consul's check handlers call parseEntMeta first (the update endpoint only after reading its body).
  const precheck = refuseEnterpriseMeta;
  const ttlUpdate =
    (status: HealthStatus): ConsulRoute['handler'] =>
    async (request, reply) => {
      const id = param(request, 'id');
      const note = requestParams(request).get('note') ?? '';
      update(id, status, note);
      return reply.code(200).send('');
    };
  const update = (id: string, status: HealthStatus, output: string): void => {
    const text = Buffer.from(output).subarray(0, ttlOutputBytesMax).toString('utf8');
    if (!agent.checks.updateTtl(id, status, text)) throw new UnknownCheckError(id);
  };

  return [
    {
      method: 'GET',
      url: '/checks',
      precheck: refuseEnterpriseMeta,
      acl: agentRead,
      handler: async (request) => {
        const all: Record<string, Record<string, unknown>> = {};
        for (const entry of agent.state.checks()) setOwn(all, entry.row.CheckID, presentAgentCheck(entry.row));
        return filterRecord(all, requestParams(request).get('filter'), filterSchemas.healthCheck);
      },
    },
    {
      method: 'PUT',
      url: '/check/register',
      precheck: refuseEnterpriseMeta,
      acl: checkWrite,
      handler: async (request, reply) => {
        const warnings: string[] = [];
        const definition = decodeCheckBody(readJsonBody(request), {
          scriptChecksAllowed: agent.scriptChecksAllowed(request.ip),
          warnings,
        });
        await agent.registrar.registerCheck(definition, {
          token: resolveToken(request) ?? '',
          source: 'api',
          warnings,
        });
        return reply.code(200).send('');
      },
    },
    {
      method: 'PUT',
      url: '/check/deregister/:id',
      precheck: refuseEnterpriseMeta,
      acl: checkWrite,
      handler: async (request, reply) => {
        const id = param(request, 'id');
        if (!agent.state.check(id)) throw new UnknownCheckError(id);
        await agent.registrar.deregisterCheck(id);
        return reply.code(200).send('');
      },
    },
    { method: 'PUT', url: '/check/pass/:id', precheck, acl: checkWrite, handler: ttlUpdate('passing') },
    { method: 'PUT', url: '/check/warn/:id', precheck, acl: checkWrite, handler: ttlUpdate('warning') },
    { method: 'PUT', url: '/check/fail/:id', precheck, acl: checkWrite, handler: ttlUpdate('critical') },
    {
      method: 'PUT',
      url: '/check/update/:id',
      acl: checkWrite,
      handler: async (request, reply) => {
        const body = readJsonBody(request);
        if (!isPlainObject(body)) throw new BadRequestError('Request decode failed: expected a JSON object');
        const field = (name: string): unknown => Object.entries(body).find(([key]) => key.toLowerCase() === name)?.[1];
        const status = field('status');
        const output = field('output') ?? '';
        if (status !== 'passing' && status !== 'warning' && status !== 'critical')
          throw new BadRequestError(`Invalid check status: '${String(status ?? '')}'`);
        if (typeof output !== 'string') throw new BadRequestError('Request decode failed: Output must be a string');
        // Consul's AgentCheckUpdate decodes and checks the status before it parses enterprise meta.
        refuseEnterpriseMeta(request);
        update(param(request, 'id'), status, output);
        return reply.code(200).send('');
      },
    },
  ];
}
