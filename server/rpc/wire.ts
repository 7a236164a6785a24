// The wire form of an RPC over gRPC: msgpack frames, and the validation every decoded request passes before a
// handler sees it (a method we know, a context of bounded strings, query options in range). Handlers validate
// their own args (server/endpoints/read.ts helpers, normalizeRegisterRequest).

import { Packr } from 'msgpackr';
import { unpackKeepingKeys } from '../../lib/msgpack-keys.js';
import { BadRequestError, decodeRpcError, type WireError } from './errors.js';
import type { Consistency, QueryOptions, RequestContext, RpcMethodName } from './methods.js';
import { isRpcMethodName } from './router.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** Strings of the context and query (datacenter, token, filter) are bounded; so is ?node-meta. */
const contextStringLengthMax = 1024;
const filterLengthMax = 16 * 1024;
const nodeMetaEntriesMax = 64;
/** Forwarding more often than this means leaders are changing under us: give up with NoLeaderError. */
export const forwardHopsMax = 3;

export interface WireRequest {
  readonly method: RpcMethodName;
  readonly args: unknown;
  readonly context: RequestContext;
  readonly query: QueryOptions | null;
  readonly forwardHops: number;
}

export type WireResponse =
  | { readonly ok: true; readonly reply: unknown }
  | { readonly ok: false; readonly error: WireError };

export const encodeFrame = (value: unknown): Buffer => packr.pack(value);

/** Never throws: bytes that are not msgpack decode to a marker that validation refuses. */
export function decodeFrame(bytes: Buffer): unknown {
  try {
    return unpackKeepingKeys(packr, bytes);
  } catch {
    return { undecodable: true };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function boundedString(value: unknown, field: string, lengthMax: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || value.length > lengthMax)
    throw new BadRequestError(`${field} must be a string of at most ${lengthMax} characters`);
  return value;
}

function nonNegativeInteger(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new BadRequestError(`${field} must be a non-negative integer`);
  return value;
}

const consistencies: readonly Consistency[] = ['default', 'consistent', 'stale'];

export function validateQueryOptions(value: unknown): QueryOptions {
  if (!isObject(value)) throw new BadRequestError('query options must be an object');
  const consistency = value['consistency'] ?? 'default';
  if (!consistencies.includes(consistency as Consistency)) throw new BadRequestError('invalid consistency mode');
  const nodeMeta = value['nodeMeta'] ?? {};
  if (!isObject(nodeMeta) || Object.keys(nodeMeta).length > nodeMetaEntriesMax)
    throw new BadRequestError(`nodeMeta must be an object of at most ${nodeMetaEntriesMax} entries`);
  for (const [key, item] of Object.entries(nodeMeta)) {
    boundedString(key, 'nodeMeta key', contextStringLengthMax);
    boundedString(item, 'nodeMeta value', contextStringLengthMax);
  }
  return {
    minQueryIndex: nonNegativeInteger(value['minQueryIndex'], 'minQueryIndex'),
    maxQueryTimeMs: nonNegativeInteger(value['maxQueryTimeMs'], 'maxQueryTimeMs'),
    consistency: consistency as Consistency,
    filter: boundedString(value['filter'], 'filter', filterLengthMax),
    nodeMeta: nodeMeta as Record<string, string>,
    maxStaleMs: nonNegativeInteger(value['maxStaleMs'], 'maxStaleMs'),
  };
}

export function validateWireRequest(value: unknown): WireRequest {
  if (!isObject(value)) throw new BadRequestError('malformed RPC request');
  const method = value['method'];
  if (!isRpcMethodName(method)) throw new BadRequestError(`unknown RPC method ${String(method).slice(0, 64)}`);
  const context = value['context'];
  if (!isObject(context)) throw new BadRequestError('RPC request without a context');
  const hops = nonNegativeInteger(value['forwardHops'], 'forwardHops');
  return {
    method,
    args: value['args'] ?? {},
    context: {
      datacenter: boundedString(context['datacenter'], 'datacenter', contextStringLengthMax),
      token: boundedString(context['token'], 'token', contextStringLengthMax),
    },
    query: value['query'] === undefined || value['query'] === null ? null : validateQueryOptions(value['query']),
    forwardHops: hops,
  };
}

/** The reply or the rebuilt error of a decoded response. */
export function readWireResponse(value: unknown): unknown {
  if (!isObject(value)) throw decodeRpcError({ name: 'RpcInternalError', message: 'malformed RPC response' });
  if (value['ok'] === true) return value['reply'];
  throw decodeRpcError(value['error']);
}
