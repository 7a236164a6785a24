// Decodes the query parameters every read shares (Consul agent/http.go parse, parseWait, parseConsistency,
// parseMetaFilter, parseSource) into the RPC's QueryOptions plus the datacenter, token and `?near` target, with
// Consul's 400 texts. Parameters are read from the raw URL, as Go's url.Query does: repeated keys keep every value,
// a bare `?stale` is present with an empty value.

import type { FastifyRequest } from 'fastify';
import { DurationError, parseDuration } from '../../lib/duration.js';
import { setOwn } from '../../lib/records.js';
import { compileFilter, FilterError } from '../../server/filter/index.js';
import type { Consistency, QueryOptions } from '../../server/rpc/methods.js';
import { resolveToken } from './acl-hook.js';
import { BadRequestError } from './errors.js';
import { filterSchemaForPath } from './filter-schemas.js';

/** What the query decoding needs from the agent's configuration. */
export interface QueryConfig {
  readonly datacenter: string;
  readonly nodeName: string;
  /** default_query_time: the wait when the client gives none (Consul 300 s). */
  readonly defaultQueryTimeMs: number;
  /** max_query_time: the longest wait a client may ask for (Consul 600 s). */
  readonly maxQueryTimeMs: number;
  /** discovery_max_stale: >0 makes catalog and health reads without a mode stale. */
  readonly discoveryMaxStaleMs: number;
}

/** The mode reported in X-Consul-Effective-Consistency. */
export type EffectiveConsistency = 'leader' | 'stale' | 'consistent';

export interface HttpQuery {
  readonly params: URLSearchParams;
  /** `?dc=`, else the agent's datacenter. */
  readonly datacenter: string;
  /** The ACL token from `?token=`, X-Consul-Token or Authorization: Bearer; "" for anonymous. */
  readonly token: string;
  readonly options: QueryOptions;
  /** The node to sort by estimated RTT from (`_agent` resolved to this agent's node); "" for no sorting. */
  readonly near: string;
  /** `?cached`: accepted, but Lattice has no agent cache yet, so every answer is fresh (X-Cache: MISS). */
  readonly cached: boolean;
  readonly effectiveConsistency: EffectiveConsistency;
}

/** The URL's query string as Go reads it (`+` is a space, repeated keys kept in order). */
export function requestParams(request: FastifyRequest): URLSearchParams {
  const mark = request.url.indexOf('?');
  return new URLSearchParams(mark < 0 ? '' : request.url.slice(mark + 1));
}

/** Consul's presence flags (`stale`, `consistent`, `pretty`, `recurse`...): any value, even empty, means on. */
export function hasFlag(params: URLSearchParams, name: string): boolean {
  return params.has(name);
}

/**
 * Go's strconv.ParseBool for flags such as `?passing`: absent → `absentValue`, present and empty → true,
 * `1 t T TRUE true True` / `0 f F FALSE false False`, anything else 400.
 */
export function parseBoolParam(params: URLSearchParams, name: string, absentValue = false): boolean {
  const value = params.get(name);
  if (value === null) return absentValue;
  if (value === '') return true;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new BadRequestError(`Invalid value for ?${name}`);
}

/** Largest uint64, the bound of Consul's strconv.ParseUint(index, 10, 64). */
const uint64Max = (1n << 64n) - 1n;

/** `?index=`: a decimal uint64, else Consul's `Invalid index`. Values above 2^53 lose precision in JavaScript. */
export function parseIndexParam(value: string | null): number {
  if (value === null || value === '') return 0;
  if (!/^\d+$/.test(value) || BigInt(value) > uint64Max) throw new BadRequestError('Invalid index');
  return Number(value);
}

/**
 * `?wait=`: a Go duration (`30s`, `120000ms`, `1m30s`), else Consul's `Invalid wait time`. The result is capped as
 * Consul's servers cap it: none or ≤ 0 → default_query_time, above max_query_time → max_query_time.
 */
export function parseWaitParam(value: string | null, config: QueryConfig): number {
  let waitMs = 0;
  if (value !== null && value !== '') {
    try {
      waitMs = parseDuration(value);
    } catch (error) {
      if (error instanceof DurationError) throw new BadRequestError('Invalid wait time', { cause: error });
      throw error;
    }
    // parseDuration tolerates surrounding spaces; Go's ParseDuration does not.
    if (value.trim() !== value) throw new BadRequestError('Invalid wait time');
  }
  if (waitMs <= 0) return config.defaultQueryTimeMs;
  return Math.min(waitMs, config.maxQueryTimeMs);
}

export interface ConsistencyChoice {
  readonly consistency: Consistency;
  readonly effective: EffectiveConsistency;
  readonly cached: boolean;
}

/** parseConsistency: presence flags, `max_stale` > 0 implies stale, discovery_max_stale for catalog/health reads. */
export function parseConsistency(params: URLSearchParams, path: string, config: QueryConfig): ConsistencyChoice {
  let stale = hasFlag(params, 'stale');
  const consistent = hasFlag(params, 'consistent');
  const cached = hasFlag(params, 'cached');
  let chosen = stale || consistent || hasFlag(params, 'leader') || cached;
  const maxStale = params.get('max_stale');
  if (maxStale !== null && maxStale !== '') {
    let maxStaleMs: number;
    try {
      maxStaleMs = parseDuration(maxStale);
    } catch (error) {
      throw new BadRequestError(`Invalid max_stale value ${JSON.stringify(maxStale)}`, { cause: error });
    }
    if (maxStaleMs > 0) {
      stale = true;
      chosen = true;
    }
  }
  if (!chosen && config.discoveryMaxStaleMs > 0 && /^\/v1\/(catalog|health)(\/|$)/.test(path)) stale = true;
  if (stale && consistent) throw new BadRequestError('Cannot specify ?stale with ?consistent, conflicting semantics.');
  if (cached && consistent)
    throw new BadRequestError('Cannot specify ?cached with ?consistent, conflicting semantics.');
  if (consistent) return { consistency: 'consistent', effective: 'consistent', cached };
  if (stale) return { consistency: 'stale', effective: 'stale', cached };
  return { consistency: 'default', effective: 'leader', cached };
}

/** `?node-meta=key:value`, repeatable (all must match); split at the first `:`, a value-less key matches "". */
export function parseNodeMeta(params: URLSearchParams): Readonly<Record<string, string>> {
  const meta: Record<string, string> = {};
  for (const pair of params.getAll('node-meta')) {
    const colon = pair.indexOf(':');
    if (colon < 0) setOwn(meta, pair, '');
    else setOwn(meta, pair.slice(0, colon), pair.slice(colon + 1));
  }
  return Object.freeze(meta);
}

/**
 * `?filter=`: compiled here only to refuse a bad expression with Consul's 400 before any RPC; the server evaluates
 * it against the reply's rows.
 */
export function checkFilter(expression: string, path = ''): string {
  if (expression === '') return '';
  try {
    compileFilter(expression, filterSchemaForPath(path));
  } catch (error) {
    if (error instanceof FilterError) throw new BadRequestError(error.message, { cause: error });
    throw error;
  }
  return expression;
}

/** Everything a read needs from its URL; throws BadRequestError with Consul's text. `?ns`, `?partition` ignored (CE). */
export function parseQuery(request: FastifyRequest, config: QueryConfig): HttpQuery {
  const params = requestParams(request);
  const path = request.url.split('?', 1)[0] ?? request.url;
  const maxQueryTimeMs = parseWaitParam(params.get('wait'), config);
  const minQueryIndex = parseIndexParam(params.get('index'));
  const choice = parseConsistency(params, path, config);
  const near = params.get('near') ?? '';
  return {
    params,
    datacenter: params.get('dc') || config.datacenter,
    token: resolveToken(request) ?? '',
    options: Object.freeze({
      minQueryIndex,
      maxQueryTimeMs,
      consistency: choice.consistency,
      filter: checkFilter(params.get('filter') ?? '', path),
      nodeMeta: parseNodeMeta(params),
    }),
    near: near === '_agent' ? config.nodeName : near,
    cached: choice.cached,
    effectiveConsistency: choice.effective,
  };
}

/** For writes: only the datacenter and token matter. */
export function parseWriteContext(
  request: FastifyRequest,
  config: Pick<QueryConfig, 'datacenter'>,
): { readonly datacenter: string; readonly token: string; readonly params: URLSearchParams } {
  const params = requestParams(request);
  return { params, datacenter: params.get('dc') || config.datacenter, token: resolveToken(request) ?? '' };
}
