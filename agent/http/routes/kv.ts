// /v1/kv/*: get (one key, `?recurse` prefix, `?keys` with `?separator`, `?raw` bytes), put (raw body as the value,
// `?flags`, `?cas`, `?acquire`, `?release`; answers true/false) and delete (`?recurse` tree, `?cas`), forwarded to
// the servers (Consul agent/kvs_endpoint.go). A miss is 404 with an empty body and the index headers, so
// watchers block on it until the key exists. Values over limits.kv_max_value_size are 413 before the body is read.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type KvWriteEntry, type KvWriteVerb, kvFlagsFromText } from '../../../server/state/kv-types.js';
import type { AclRequirement } from '../acl-hook.js';
import { type ConsulRoute, registerRoutes } from '../consul-route.js';
import { refusingEnterpriseMeta } from '../enterprise-meta.js';
import { BadRequestError } from '../errors.js';
import { hasFlag, parseWriteContext, requestParams } from '../query-options.js';
import { rpcRead } from '../query-read.js';
import { bodyTooLarge, declaredLength, presentKvEntry } from './kv-present.js';
import { pathName, type ServerRouteDeps } from './server-deps.js';

const uint64Pattern = /^\d+$/;

function uintParam(params: URLSearchParams, name: string, problem: string): number | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  if (!uint64Pattern.test(value) || !Number.isSafeInteger(Number(value))) throw new BadRequestError(problem);
  return Number(value);
}

/**
 * Consul's conflictingFlags: more than one of `flags` present → 400 `Conflicting flags: <query>`, the query as Go's
 * url.Values.Encode writes it (keys sorted, a key's values in their order).
 */
function refuseConflicts(params: URLSearchParams, flags: readonly string[]): void {
  if (flags.filter((flag) => params.has(flag)).length > 1) {
    const sorted = new URLSearchParams(params);
    sorted.sort();
    throw new BadRequestError(`Conflicting flags: ${sorted.toString()}`);
  }
}

function keyOf(request: FastifyRequest): string {
  return pathName(request);
}

function missingKey(key: string): void {
  if (key === '') throw new BadRequestError('Missing key name');
}

/** Consul refuses a leading slash (its newer character allowlist is deliberately not copied: reference §4.4). */
function checkKey(key: string): void {
  if (key.startsWith('/')) throw new BadRequestError("key must not begin with a '/'");
}

export const kvRoutes =
  (deps: ServerRouteDeps): FastifyPluginAsync =>
  async (scope) => {
    const { rpc, config } = deps;
    const read = { rpc, config };
    const valueSizeBytesMax = config.limits.kvMaxValueSizeBytes;
    const readKey: AclRequirement = { resource: 'key', access: 'read', name: keyOf };
    const writeKey: AclRequirement = { resource: 'key', access: 'write', name: keyOf };

    // Refuse an oversized value from its Content-Length, before fastify buffers it (Consul checks the same).
    scope.addHook('onRequest', async (request) => {
      if (request.method !== 'PUT') return;
      const length = declaredLength(request.headers);
      if (length !== null && length > valueSizeBytesMax)
        throw bodyTooLarge(length, valueSizeBytesMax, 'kv_max_value_size');
    });

    const get = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const key = keyOf(request);
      checkKey(key);
      const params = requestParams(request);
      if (hasFlag(params, 'keys')) {
        const separator = params.get('separator') ?? params.get('seperator') ?? '';
        const { value } = await rpcRead(read, request, reply, 'KVS.ListKeys', () => ({
          Prefix: key,
          Separator: separator,
        }));
        if ((value ?? []).length === 0 && key !== '') return reply.code(404).send('');
        return value ?? [];
      }
      const recurse = hasFlag(params, 'recurse');
      if (!recurse) missingKey(key);
      const entries = recurse
        ? ((await rpcRead(read, request, reply, 'KVS.List', () => ({ Key: key }))).value ?? [])
        : [(await rpcRead(read, request, reply, 'KVS.Get', () => ({ Key: key }))).value].filter(
            (entry) => entry !== null,
          );
      const [first] = entries;
      if (first === undefined) return reply.code(404).send('');
      if (!recurse && hasFlag(params, 'raw')) {
        void reply.header('X-Content-Type-Options', 'nosniff').header('Content-Security-Policy', 'sandbox');
        return reply
          .type('text/plain')
          .send(first.Value === null ? Buffer.alloc(0) : Buffer.from(first.Value, 'base64'));
      }
      return entries.map(presentKvEntry);
    };

    const apply = async (request: FastifyRequest, op: KvWriteVerb, entry: KvWriteEntry): Promise<boolean> => {
      const { datacenter, token } = parseWriteContext(request, config);
      // No client-gone signal, as Consul's kvs_endpoint (its KVS.Apply RPC takes no request context): a write that
      // reached the leader is in the log and commits whether or not its client waits, so stopping early saves
      // nothing, while an AbortSignal and its listeners cost each PUT more CPU than its trip through Raft's core.
      return rpc.call('KVS.Apply', { Op: op, DirEnt: entry }, { context: { datacenter, token } });
    };

    const put = async (request: FastifyRequest): Promise<unknown> => {
      const key = keyOf(request);
      missingKey(key);
      checkKey(key);
      const params = requestParams(request);
      refuseConflicts(params, ['cas', 'acquire', 'release']);
      const body = Buffer.isBuffer(request.body)
        ? request.body
        : typeof request.body === 'string'
          ? Buffer.from(request.body)
          : Buffer.alloc(0);
      if (body.length > valueSizeBytesMax) throw bodyTooLarge(body.length, valueSizeBytesMax, 'kv_max_value_size');
      const flagsText = params.get('flags');
      // Consul takes any uint64 (strconv.ParseUint); above 2^53 the value travels as exact decimal text.
      const flags = flagsText === null ? undefined : kvFlagsFromText(flagsText);
      if (flagsText !== null && flags === undefined) throw new BadRequestError('Invalid flags');
      const entry: KvWriteEntry = {
        Key: key,
        Value: body.length === 0 ? null : body.toString('base64'),
        ...(flags === undefined ? {} : { Flags: flags }),
      };
      const cas = uintParam(params, 'cas', 'Invalid cas value');
      if (cas !== undefined) return apply(request, 'cas', { ...entry, ModifyIndex: cas });
      if (params.has('acquire')) return apply(request, 'lock', { ...entry, Session: params.get('acquire') ?? '' });
      if (params.has('release')) return apply(request, 'unlock', { ...entry, Session: params.get('release') ?? '' });
      return apply(request, 'set', entry);
    };

    const remove = async (request: FastifyRequest): Promise<unknown> => {
      const key = keyOf(request);
      checkKey(key);
      const params = requestParams(request);
      refuseConflicts(params, ['recurse', 'cas']);
      if (hasFlag(params, 'recurse')) return apply(request, 'delete-tree', { Key: key });
      missingKey(key);
      const cas = uintParam(params, 'cas', 'Invalid cas value');
      if (cas !== undefined) return apply(request, 'delete-cas', { Key: key, ModifyIndex: cas });
      return apply(request, 'delete', { Key: key });
    };

    const routes: ConsulRoute[] = ['/', '/*'].flatMap((url): ConsulRoute[] => [
      { method: 'GET', url, acl: readKey, handler: get },
      { method: 'PUT', url, acl: writeKey, handler: put, bodySizeBytesMax: valueSizeBytesMax + 1 },
      { method: 'DELETE', url, acl: writeKey, handler: remove },
    ]);
    registerRoutes(scope, refusingEnterpriseMeta(routes));
  };
