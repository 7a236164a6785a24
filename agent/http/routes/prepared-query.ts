// /v1/query: prepared queries (Consul agent/prepared_query_endpoint.go). POST / creates (`{"ID"}`), GET / lists
// (`[]` when none), GET|PUT|DELETE /:id reads, updates (ID from the URL, body optional) and deletes (empty 200),
// GET /:id_or_name/execute runs the query (`?near` incl. `_agent`/`_ip`, `?limit`, `?connect=<bool>`) and
// /:id_or_name/explain shows the rendered query. An unknown query is 404 `Query not found`. Names may contain
// slashes, as Consul takes everything after /v1/query/ (a trailing /execute or /explain picks the action).

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LatticeError } from '../../../lib/errors.js';
import type { QueryMeta } from '../../../server/rpc/methods.js';
import type { AclRequirement } from '../acl-hook.js';
import { clientGoneSignal } from '../blocking.js';
import { type ConsulRoute, registerRoutes } from '../consul-route.js';
import { decodeBody, defineSchema, readJsonBody } from '../decode-body.js';
import { BadRequestError, httpStatusByErrorCode, MethodNotAllowedError } from '../errors.js';
import { type EffectiveConsistency, type HttpQuery, parseWriteContext } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import { pathName, presentEntry, type ServerRouteDeps } from './server-deps.js';

const targetSchema = defineSchema({ Peer: 'string', Datacenter: 'string' }, { PeerName: 'Peer' });

/** structs.PreparedQuery as clients send it (keys case-insensitive, unknown ones ignored, as Go decodes). */
export const preparedQuerySchema = defineSchema({
  ID: 'string',
  Name: 'string',
  Session: 'string',
  Token: 'string',
  Template: { object: defineSchema({ Type: 'string', Regexp: 'string', RemoveEmptyTags: 'boolean' }) },
  Service: {
    object: defineSchema({
      Service: 'string',
      Failover: {
        object: defineSchema({ NearestN: 'integer', Datacenters: 'stringList', Targets: { list: targetSchema } }),
      },
      OnlyPassing: 'boolean',
      IgnoreCheckIDs: 'stringList',
      Near: 'string',
      Tags: 'stringList',
      NodeMeta: 'stringMap',
      ServiceMeta: 'stringMap',
      Connect: 'boolean',
    }),
  },
  DNS: { object: defineSchema({ TTL: 'string' }) },
});

/**
 * An error Consul's handler returns as it is (its wrap answers 500 with the text): PreparedQuery.Apply's refusals,
 * whose type the RPC sheds, and `Bad limit`, a plain fmt.Errorf in prepared_query_endpoint.go.
 */
export class PreparedQueryFailedError extends LatticeError {
  override readonly name = 'PreparedQueryFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_PREPARED_QUERY_FAILED', message, options);
  }
}

const int64Max = 2n ** 63n - 1n;

/**
 * `?limit` as Go's strconv.Atoi reads it, with Consul's `Bad limit: ...` texts (500, as Consul's). A value past
 * JavaScript's safe integers but inside int64 is as good as no limit, so it is clamped.
 */
export function parseLimit(text: string | null): number {
  if (text === null || text === '') return 0;
  const atoi = `Bad limit: strconv.Atoi: parsing ${JSON.stringify(text)}`;
  if (!/^[+-]?\d+$/.test(text)) throw new PreparedQueryFailedError(`${atoi}: invalid syntax`);
  const value = BigInt(text);
  if (value > int64Max || value < -int64Max - 1n) throw new PreparedQueryFailedError(`${atoi}: value out of range`);
  return Math.max(Math.min(Number(value), Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER);
}

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Execute's `?connect=<bool>` as Consul reads it: strconv.ParseBool of the value, an empty or absent value leaves
 * it false (so a bare `?connect` asks for the plain service), anything else is Consul's 500.
 */
export function parseConnect(text: string | null): boolean {
  if (text === null || text === '') return false;
  if (goTrue.has(text)) return true;
  if (goFalse.has(text)) return false;
  throw new PreparedQueryFailedError(
    `Error parsing 'connect' value: strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`,
  );
}

/**
 * Consul's HTTP handler returns PreparedQuery.Apply's error unchanged and its wrap answers 500 with the text: the
 * validation refusals (`Invalid prepared query: ...`, `invalid session "x"`, a name clash, a bad template) lose
 * their type over the RPC. Other refusals (permission denied, no leader) keep their own status.
 */
function asConsulApplyError(error: unknown): unknown {
  if (error instanceof LatticeError && httpStatusByErrorCode[error.code] === 400)
    return new PreparedQueryFailedError(error.message, { cause: error });
  return error;
}

/** Consul's sourceAddrFromRequest: the first X-Forwarded-For address, else the peer's. */
function sourceIp(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || request.ip;
}

/**
 * The QueryMeta fields Go's JSON encoder writes for replies that embed structs.QueryMeta (execute, explain): it has
 * no json tags, so Consul's bodies carry them; Index stays 0 there (these reads never set it).
 */
function embeddedMeta(meta: QueryMeta, consistency: EffectiveConsistency): Record<string, unknown> {
  return {
    Index: 0,
    LastContact: Math.round(meta.lastContactMs * 1e6),
    KnownLeader: meta.knownLeader,
    ConsistencyLevel: consistency,
    NotModified: false,
    Backend: 0,
    ResultsFilteredByACLs: false,
  };
}

type Action = 'execute' | 'explain' | 'query';

/** Splits `<id or name>[/execute|/explain]` as Consul's PreparedQuerySpecific does. */
function actionOf(path: string): { readonly action: Action; readonly id: string } {
  for (const action of ['execute', 'explain'] as const)
    if (path.endsWith(`/${action}`)) return { action, id: path.slice(0, -(action.length + 1)) };
  return { action: 'query', id: path };
}

export const preparedQueryRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    const paramName = (request: FastifyRequest): string => (request.params as { name?: string }).name ?? '';
    const nameOf = (request: FastifyRequest): string =>
      (request.params as { name?: string }).name ?? actionOf(pathName(request)).id;
    const queryRead: AclRequirement = { resource: 'query', access: 'read', name: nameOf };
    const queryWrite: AclRequirement = { resource: 'query', access: 'write', name: nameOf };
    const write = (request: FastifyRequest, reply: FastifyReply) => {
      const { datacenter, token } = parseWriteContext(request, config);
      return { context: { datacenter, token }, signal: clientGoneSignal(reply) };
    };
    const apply = async (
      request: FastifyRequest,
      reply: FastifyReply,
      Op: 'create' | 'update' | 'delete',
      query: Record<string, unknown>,
    ): Promise<string> => {
      try {
        return await rpc.call('PreparedQuery.Apply', { Op, Query: query }, write(request, reply));
      } catch (error) {
        throw asConsulApplyError(error);
      }
    };
    const executeArgs = (request: FastifyRequest, id: string, query: HttpQuery) => ({
      QueryIDOrName: id,
      Limit: parseLimit(query.params.get('limit')),
      Connect: false,
      Source: { Datacenter: query.datacenter, Segment: '', Node: query.near, Ip: sourceIp(request) },
      Agent: { Datacenter: config.datacenter, Segment: '', Node: config.nodeName, Ip: '' },
    });

    const execute = async (request: FastifyRequest, reply: FastifyReply, id: string) => {
      const { value, query, meta } = await rpcRead(read, request, reply, 'PreparedQuery.Execute', (query) => ({
        ...executeArgs(request, id, query),
        Connect: parseConnect(query.params.get('connect')),
      }));
      return {
        Service: value.Service,
        Nodes: value.Nodes.map(presentEntry),
        DNS: value.DNS,
        Datacenter: value.Datacenter,
        Failovers: value.Failovers,
        ...embeddedMeta(meta, query.effectiveConsistency),
      };
    };
    const explain = async (request: FastifyRequest, reply: FastifyReply, id: string) => {
      const { value, query, meta } = await rpcRead(read, request, reply, 'PreparedQuery.Explain', (query) =>
        executeArgs(request, id, query),
      );
      return { Query: value.Query, ...embeddedMeta(meta, query.effectiveConsistency) };
    };

    const routes: ConsulRoute[] = [
      {
        method: 'POST',
        url: '/',
        acl: { resource: 'query', access: 'write', name: () => '' },
        handler: async (request, reply) => {
          const raw = readJsonBody(request);
          if (raw === undefined) throw new BadRequestError('Request decode failed: EOF');
          const ID = await apply(request, reply, 'create', decodeBody(preparedQuerySchema, raw));
          return { ID };
        },
      },
      {
        method: 'GET',
        url: '/',
        acl: { resource: 'query', access: 'read', name: () => '' },
        handler: async (request, reply) =>
          (await rpcRead(read, request, reply, 'PreparedQuery.List', () => ({}))).value ?? [],
      },
      // Execute and explain have their own paths (so OPTIONS and other methods answer `Allow: OPTIONS,GET` as
      // Consul's); names with slashes reach them through the wildcard below.
      {
        method: 'GET',
        url: '/:name/execute',
        acl: queryRead,
        handler: async (request, reply) => execute(request, reply, paramName(request)),
      },
      {
        method: 'GET',
        url: '/:name/explain',
        acl: queryRead,
        handler: async (request, reply) => explain(request, reply, paramName(request)),
      },
      {
        method: 'GET',
        url: '/*',
        acl: queryRead,
        handler: async (request, reply) => {
          const { action, id } = actionOf(pathName(request));
          if (action === 'execute') return execute(request, reply, id);
          if (action === 'explain') return explain(request, reply, id);
          return (await rpcRead(read, request, reply, 'PreparedQuery.Get', () => ({ QueryID: id }))).value;
        },
      },
      {
        method: 'PUT',
        url: '/*',
        acl: queryWrite,
        handler: async (request, reply) => {
          const { action, id } = actionOf(pathName(request));
          if (action !== 'query') throw new MethodNotAllowedError('PUT', ['GET']);
          const raw = readJsonBody(request);
          const body = raw === undefined ? {} : decodeBody(preparedQuerySchema, raw);
          // The ID comes from the URL, not the body.
          await apply(request, reply, 'update', { ...body, ID: id });
          return reply.code(200).send('');
        },
      },
      {
        method: 'DELETE',
        url: '/*',
        acl: queryWrite,
        handler: async (request, reply) => {
          const { action, id } = actionOf(pathName(request));
          if (action !== 'query') throw new MethodNotAllowedError('DELETE', ['GET']);
          await apply(request, reply, 'delete', { ID: id });
          return reply.code(200).send('');
        },
      },
    ];
    registerRoutes(scope, routes);
  };
