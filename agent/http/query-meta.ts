// The response headers Consul's clients read (agent/http.go setMeta, setIndex, setKnownLeader, setLastContact):
// the query-meta triple on every read, the ACL default policy on every response, and `?pretty` formatting.
// node-consul's watch ends without X-Consul-Index, and the Go client stops parsing meta when X-Consul-LastContact
// is missing (clients.md §1, §3.3), so reads always send all three.

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
 * Root hooks: X-Consul-Default-ACL-Policy on every response (Consul ≥ 1.9 sends it even with ACLs off), and
 * `?pretty` (presence flag) switching JSON bodies to indented output.
 */
export function installConsulHeaders(app: FastifyInstance, config: ConsulHeadersConfig): void {
  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('X-Consul-Default-ACL-Policy', config.aclDefaultPolicy);
  });
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (/[?&]pretty(=|&|$)/.test(request.url)) reply.serializer(prettyJson);
    return payload;
  });
}
