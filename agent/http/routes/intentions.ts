// /v1/connect/intentions*: the legacy intention API over service-intentions entries (Consul intention_endpoint.go):
// list (precedence order, blocking, ?filter), create (POST → {ID}), get/update/delete by ID, exact by pair
// (GET 404 when absent; PUT/DELETE → true), match (?by=&name=, blocking) and check (?source=&destination= →
// {Allowed}). Bodies are decoded case-insensitively; validation texts come from the servers.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LatticeError } from '../../../lib/errors.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, refuseUnknownPaths, registerRoutes } from '../consul-route.js';
import { readJsonBody } from '../decode-body.js';
import { refuseEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { parseWriteContext, requestParams } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import type { ServerRouteDeps } from './server-deps.js';

const intentionBodyFields = [
  'ID',
  'Description',
  'SourceNS',
  'SourceName',
  'DestinationNS',
  'DestinationName',
  'SourcePartition',
  'DestinationPartition',
  'SourcePeer',
  'SourceType',
  'Action',
  'Permissions',
  'Meta',
];

/** An intention body with Consul's field names, whatever case the client used; unknown fields dropped. */
export function intentionBody(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new BadRequestError('Request decode failed: body must be a JSON object');
  const byFold = new Map(intentionBodyFields.map((name) => [name.toLowerCase(), name]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = byFold.get(key.toLowerCase());
    if (name !== undefined && value !== null) out[name] = value;
  }
  return out;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw new BadRequestError(`required query parameter '${name}' not set`);
  return value;
}

/** `?source=&destination=`, both required, as the check and exact endpoints take them. */
function sourceAndDestination(request: FastifyRequest): { source: string; destination: string } {
  const params = requestParams(request);
  const source = required(params, 'source');
  const destination = required(params, 'destination');
  checkTarget('source', source);
  checkTarget('destination', destination);
  return { source, destination };
}

/**
 * Consul's parseIntentionStringComponent (intentions_endpoint.go): a target is `name`, `ns/name` or
 * `partition/ns/name`, never a peer here; anything else is refused with its text (a plain error there: 500).
 */
function checkTarget(which: 'source' | 'destination', value: string): void {
  const reason = value.startsWith('peer:')
    ? 'cannot specify a peer here'
    : value.split('/').length > 3
      ? "input can contain at most two '/'"
      : null;
  if (reason !== null) throw new InvalidIntentionTargetError(`${which} "${value}" is invalid: ${reason}`);
}

class InvalidIntentionTargetError extends LatticeError {
  constructor(message: string) {
    super('ERR_INVALID_INTENTION_TARGET', message);
  }
}

export const intentionRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    const intentionRead: AclRequirement = { resource: 'service', access: 'read', name: () => '' };
    const intentionWrite: AclRequirement = { resource: 'service', access: 'write', name: () => '' };
    const write = (request: FastifyRequest, reply: FastifyReply) => {
      const { datacenter, token } = parseWriteContext(request, config);
      return { context: { datacenter, token }, signal: clientGoneSignal(reply) };
    };
    const idOf = (request: FastifyRequest): string => (request.params as { id: string }).id;
    const byId = async (request: FastifyRequest, reply: FastifyReply) => {
      const id = idOf(request);
      const { value } = await rpcRead(read, request, reply, 'Intention.Get', () => ({ IntentionID: id }));
      if (value.length === 0) throw new NotFoundError(`Intention ${id}`);
      return value[0];
    };
    const routes: ConsulRoute[] = [
      {
        method: 'GET',
        url: '/',
        precheck: refuseEnterpriseMeta,
        acl: intentionRead,
        handler: async (request, reply) => (await rpcRead(read, request, reply, 'Intention.List', () => ({}))).value,
      },
      {
        method: 'POST',
        url: '/',
        precheck: refuseEnterpriseMeta,
        acl: intentionWrite,
        handler: async (request, reply) => {
          const body = intentionBody(readJsonBody(request));
          const id = await rpc.call('Intention.Apply', { Op: 'create', Intention: body }, write(request, reply));
          return { ID: id };
        },
      },
      {
        method: 'GET',
        url: '/match',
        precheck: refuseEnterpriseMeta,
        acl: intentionRead,
        handler: async (request, reply) => {
          const params = requestParams(request);
          const by = required(params, 'by');
          if (by !== 'source' && by !== 'destination')
            throw new BadRequestError(`'by' parameter must be one of 'source' or 'destination'`);
          const names = params.getAll('name').filter((name) => name !== '');
          if (names.length === 0) throw new BadRequestError(`required query parameter 'name' not set`);
          return (await rpcRead(read, request, reply, 'Intention.Match', () => ({ By: by, Names: names }))).value;
        },
      },
      {
        method: 'GET',
        url: '/check',
        precheck: refuseEnterpriseMeta,
        acl: intentionRead,
        handler: async (request, reply) => {
          const { source, destination } = sourceAndDestination(request);
          return (
            await rpcRead(read, request, reply, 'Intention.Check', () => ({
              Source: source,
              Destination: destination,
            }))
          ).value;
        },
      },
      {
        method: 'GET',
        url: '/exact',
        precheck: refuseEnterpriseMeta,
        acl: intentionRead,
        handler: async (request, reply) => {
          const { source, destination } = sourceAndDestination(request);
          const { value } = await rpcRead(read, request, reply, 'Intention.Get', () => ({
            Source: source,
            Destination: destination,
          }));
          if (value.length === 0)
            throw new NotFoundError(`Intention with source "${source}" and destination "${destination}"`);
          return value[0];
        },
      },
      {
        method: 'PUT',
        url: '/exact',
        precheck: refuseEnterpriseMeta,
        acl: intentionWrite,
        handler: async (request, reply) => {
          const { source, destination } = sourceAndDestination(request);
          const body = intentionBody(readJsonBody(request) ?? {});
          await rpc.call(
            'Intention.Apply',
            { Op: 'upsert', Intention: { ...body, SourceName: source, DestinationName: destination } },
            write(request, reply),
          );
          return true;
        },
      },
      {
        method: 'DELETE',
        url: '/exact',
        precheck: refuseEnterpriseMeta,
        acl: intentionWrite,
        handler: async (request, reply) => {
          const { source, destination } = sourceAndDestination(request);
          await rpc.call(
            'Intention.Apply',
            { Op: 'delete-exact', Source: source, Destination: destination },
            write(request, reply),
          );
          return true;
        },
      },
      // Consul's IntentionSpecificGet and IntentionSpecificDelete never parse enterprise meta; its update does.
      { method: 'GET', url: '/:id', acl: intentionRead, handler: byId },
      {
        method: 'PUT',
        url: '/:id',
        precheck: refuseEnterpriseMeta,
        acl: intentionWrite,
        handler: async (request, reply) => {
          const body = intentionBody(readJsonBody(request));
          await rpc.call(
            'Intention.Apply',
            { Op: 'update', Intention: { ...body, ID: idOf(request) } },
            write(request, reply),
          );
          return { ID: idOf(request) };
        },
      },
      {
        method: 'DELETE',
        url: '/:id',
        acl: intentionWrite,
        handler: async (request, reply) => {
          await rpc.call('Intention.Apply', { Op: 'delete', ID: idOf(request) }, write(request, reply));
          return true;
        },
      },
    ];
    registerRoutes(scope, routes);
    refuseUnknownPaths(scope);
  };
