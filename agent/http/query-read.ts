// One server-backed read, start to finish: decode the shared query parameters, call the RPC with the client's
// signal (so a watcher that hangs up stops blocking), set the query-meta headers, and sort by `?near` if asked.
// Every catalog, health, coordinate and operator read goes through here, so none can forget a header.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { QueryMeta, QueryReply, RpcClient, RpcMethodName, RpcMethods } from '../../server/rpc/methods.js';
import { clientGoneSignal } from './blocking.js';
import { setQueryMeta } from './query-meta.js';
import { sortNear } from './query-near.js';
import { type HttpQuery, parseQuery, type QueryConfig } from './query-options.js';

export interface ReadDeps {
  readonly rpc: RpcClient;
  readonly config: QueryConfig;
}

/** The RPC methods that are reads (take QueryOptions, answer with QueryMeta). */
export type ReadMethodName = {
  [M in RpcMethodName]: RpcMethods[M]['query'] extends true ? M : never;
}[RpcMethodName];

export type ReadValue<M extends ReadMethodName> = RpcMethods[M]['reply'] extends QueryReply<infer V> ? V : never;

export interface ReadResult<V> {
  readonly value: V;
  readonly query: HttpQuery;
  /** What the headers were set from (replies that embed QueryMeta in their JSON, as prepared-query execute). */
  readonly meta: QueryMeta;
}

export async function rpcRead<M extends ReadMethodName>(
  deps: ReadDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  method: M,
  args: (query: HttpQuery) => RpcMethods[M]['args'],
): Promise<ReadResult<ReadValue<M>>> {
  const query = parseQuery(request, deps.config);
  const signal = clientGoneSignal(reply);
  const context = { datacenter: query.datacenter, token: query.token };
  const answer = (await deps.rpc.call(method, args(query), { context, query: query.options, signal })) as QueryReply<
    ReadValue<M>
  >;
  setQueryMeta(reply, answer.meta, { effectiveConsistency: query.effectiveConsistency, cached: query.cached });
  return { value: answer.value, query, meta: answer.meta };
}

/** rpcRead for list answers that honour `?near`: sorted by RTT from the named node, by `nodeOf` each row. */
export async function rpcReadNear<M extends ReadMethodName, T>(
  deps: ReadDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  method: M,
  args: (query: HttpQuery) => RpcMethods[M]['args'],
  rows: (value: ReadValue<M>) => readonly T[],
  nodeOf: (row: T) => string,
): Promise<readonly T[]> {
  const { value, query } = await rpcRead(deps, request, reply, method, args);
  const list = rows(value);
  if (query.near === '') return list;
  const context = { datacenter: query.datacenter, token: query.token };
  return sortNear(deps.rpc, list, nodeOf, query.near, context, query.options, clientGoneSignal(reply));
}
