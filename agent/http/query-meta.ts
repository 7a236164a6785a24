// The response headers Consul's clients read (agent/http.go setMeta, setIndex, setKnownLeader, setLastContact):
// the query-meta triple on every read, the ACL default policy on every response, and `?pretty` formatting.
// node-consul's watch ends without X-Consul-Index, and the Go client stops parsing meta when X-Consul-LastContact
// is missing (clients.md §1, §3.3), so reads always send all three.

import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { QueryMeta } from '../../server/rpc/methods.js';
import type { EffectiveConsistency } from './query-options.js';

export interface QueryMetaExtras {
  readonly effectiveConsistency?: EffectiveConsistency;
  /** `?cached` was asked: Lattice has no agent cache yet, so the answer is a miss. */
  readonly cached?: boolean;
  /** ACL filtering removed items and the caller sent a token (never sent as false). */
  readonly resultsFilteredByAcls?: boolean;
}

/** Sets X-Consul-Index (never 0: Consul rewrites 0 to 1), -KnownLeader, -LastContact (integer ms) and friends. */
export function setQueryMeta(reply: FastifyReply, meta: QueryMeta, extras: QueryMetaExtras = {}): void {
  void reply.header('X-Consul-Index', String(Math.max(1, Math.floor(meta.index))));
  void reply.header('X-Consul-KnownLeader', meta.knownLeader ? 'true' : 'false');
  void reply.header('X-Consul-LastContact', String(Math.max(0, Math.round(meta.lastContactMs))));
  if (extras.effectiveConsistency) void reply.header('X-Consul-Effective-Consistency', extras.effectiveConsistency);
  if (extras.cached) void reply.header('X-Cache', 'MISS');
  if (extras.resultsFilteredByAcls) void reply.header('X-Consul-Results-Filtered-By-ACLs', 'true');
}

/** For reads that are not blocking and carry no meta of their own (Consul's setKnownLeader + setLastContact). */
export function setLeaderMeta(reply: FastifyReply, knownLeader: boolean, lastContactMs: number): void {
  void reply.header('X-Consul-KnownLeader', knownLeader ? 'true' : 'false');
  void reply.header('X-Consul-LastContact', String(Math.max(0, Math.round(lastContactMs))));
}

export interface ConsulHeadersConfig {
  readonly aclDefaultPolicy: 'allow' | 'deny';
}

/** Four spaces and a trailing newline, as Go's json.MarshalIndent output with Consul's `?pretty`. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

/**
 * Prints `"Flags": "<digits>"` as the integer it is. Only KV Flags above 2^53 are strings (KvFlags), and a quote
 * inside a JSON string is always escaped, so an unescaped `"Flags":` is a real key, never part of a user's text.
 */
export function withExactFlags(json: string): string {
  return json.replace(/"Flags":( ?)"([0-9]+)"/g, '"Flags":$1$2');
}

const gzipAsync = promisify(gzip);

/** Consul's gzip handler leaves bodies below this alone (gziphandler's default MinSize): not worth a frame. */
export const gzipSizeBytesMin = 1400;

/** Whether an Accept-Encoding header admits gzip (`gzip`, `gzip;q=0.5`, `*`; not `gzip;q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const quality = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

/**
 * Root hooks: X-Consul-Default-ACL-Policy on every response (Consul ≥ 1.9 sends it even with ACLs off),
 * `?pretty` (presence flag) switching JSON bodies to indented output, and gzip for bodies over 1.4 KB when the
 * client accepts it (the Go client, hence Prometheus and consul-template, always asks).
 */
export function installConsulHeaders(app: FastifyInstance, config: ConsulHeadersConfig): void {
  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('X-Consul-Default-ACL-Policy', config.aclDefaultPolicy);
  });
  app.addHook('preSerialization', async (request, reply, payload) => {
    const pretty = /[?&]pretty(=|&|$)/.test(request.url);
    // KV answers (and transaction results) may hold uint64 Flags kept as decimal text: printed as integers.
    const exactFlags = request.url.startsWith('/v1/kv/') || request.url.startsWith('/v1/txn');
    if (exactFlags)
      reply.serializer((value: unknown) => withExactFlags(pretty ? prettyJson(value) : JSON.stringify(value)));
    else if (pretty) reply.serializer(prettyJson);
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (Buffer.byteLength(payload) < gzipSizeBytesMin || reply.hasHeader('content-encoding')) return payload;
    void reply.header('Vary', 'Accept-Encoding');
    if (!acceptsGzip(request.headers['accept-encoding'])) return payload;
    void reply.header('Content-Encoding', 'gzip');
    reply.removeHeader('content-length');
    return gzipAsync(payload);
  });
}
