// The PreparedQuery endpoint (Consul prepared_query_endpoint.go): Apply picks a fresh UUID for a create on the
// leader (the log must be deterministic), refuses to modify a query that does not exist, validates with Consul's
// parseQuery texts and applies through Raft; Get and List are blocking reads of the table; Execute and Explain
// resolve an ID, name or template name (never blocking, as Consul's), Execute runs the query here, orders the
// answer and fails over to other datacenters through the router seam when nothing local is healthy.

import { randomUUID } from 'node:crypto';
import { preparedQueryCommand } from '../fsm/commands.js';
import { NotFoundError } from '../rpc/errors.js';
import type { PreparedQueryExecuteArgs } from '../rpc/methods.js';
import { InvalidWriteError, StateStoreError } from '../state/errors.js';
import { executeLocally, orderForQuery, type PreparedQueryExecuteReply } from '../state/prepared-query-execute.js';
import { normalizePreparedQuery, validatePreparedQuery } from '../state/prepared-query-normalize.js';
import {
  preparedQueryById,
  preparedQueryGet,
  preparedQueryList,
  preparedQueryResolve,
} from '../state/prepared-query-reads.js';
import type { PreparedQueryFields, QuerySource } from '../state/prepared-query-types.js';
import { preparedQueriesSchema } from '../state/tables/prepared-queries.js';
import { WatchSet } from '../state/watch.js';
import type { EndpointContext, HandlerCall, HandlerTable } from './context.js';
import { localDatacenterOnly, type PreparedQueryDatacenters, queryFailover } from './prepared-query-failover.js';
import { runRead, stringArg } from './read.js';
import { refusalOf } from './write.js';

type PreparedQueryHandlers = Pick<
  HandlerTable,
  'PreparedQuery.Apply' | 'PreparedQuery.Get' | 'PreparedQuery.List' | 'PreparedQuery.Execute' | 'PreparedQuery.Explain'
>;

/** Consul's structs.ErrQueryNotFound; the HTTP edge answers it 404 and DNS NXDOMAIN. */
export const queryNotFoundText = 'Query not found';

function refused<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof StateStoreError) throw refusalOf(error);
    throw error;
  }
}

function querySource(value: unknown): QuerySource {
  const source = typeof value === 'object' && value !== null ? value : {};
  return {
    Datacenter: stringArg(source, 'Datacenter', { required: false }),
    Segment: stringArg(source, 'Segment', { required: false }),
    Node: stringArg(source, 'Node', { required: false }),
    Ip: stringArg(source, 'Ip', { required: false }),
  };
}

/** Execute/Explain args checked field by field (they came from the network). */
function executeArgs(args: PreparedQueryExecuteArgs) {
  const limit = (args as { Limit?: unknown }).Limit ?? 0;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit))
    throw refusalOf(new InvalidWriteError('Limit must be an integer'));
  const connect = (args as { Connect?: unknown }).Connect ?? false;
  if (typeof connect !== 'boolean') throw refusalOf(new InvalidWriteError('Connect must be a boolean'));
  return {
    name: stringArg(args, 'QueryIDOrName', { required: true }),
    options: {
      limit,
      connect,
      source: querySource((args as { Source?: unknown }).Source),
      agent: querySource((args as { Agent?: unknown }).Agent),
    },
  };
}

export function preparedQueryEndpoints(
  context: EndpointContext,
  localDatacenter: string,
  datacenters: PreparedQueryDatacenters = localDatacenterOnly,
): PreparedQueryHandlers {
  const table = () => context.store.table(preparedQueriesSchema);
  /** Execute and Explain never block (Consul sets their QueryMeta itself): an `?index=` is ignored. */
  const unblocked = (call: HandlerCall): HandlerCall => ({ ...call, query: { ...call.query, minQueryIndex: 0 } });
  const resolve = (name: string, agent: QuerySource): PreparedQueryFields => {
    const query = refused(() => preparedQueryResolve(context.store, name, agent).value);
    if (query === null) throw new NotFoundError(queryNotFoundText);
    return query;
  };

  return {
    'PreparedQuery.Apply': async (args, call) => {
      const op = (args as { Op?: unknown } | null)?.Op;
      let query = refused(() => normalizePreparedQuery((args as { Query?: unknown } | null)?.Query));
      if (op === 'create') {
        if (query.ID !== '')
          throw refusalOf(new InvalidWriteError('ID must be empty when creating a new prepared query'));
        let id = randomUUID();
        while (table().get(id) !== undefined) id = randomUUID();
        query = { ...query, ID: id };
      } else {
        const existing = preparedQueryById(context.store, query.ID);
        if (existing === undefined)
          throw refusalOf(new InvalidWriteError(`Cannot modify non-existent prepared query: '${query.ID}'`));
        query = { ...query, ID: existing.ID };
      }
      if (op === 'create' || op === 'update') refused(() => validatePreparedQuery(query));
      else if (op !== 'delete')
        throw refusalOf(new InvalidWriteError(`Unknown prepared query operation: ${String(op)}`));
      await context.apply(preparedQueryCommand({ Op: op, Query: query }), call.signal);
      return query.ID;
    },
    'PreparedQuery.Get': (args, call) => {
      const id = stringArg(args, 'QueryID', { required: true });
      return runRead(
        context,
        call,
        () => {
          const result = preparedQueryGet(context.store, id);
          if (result.value === null) throw new NotFoundError(queryNotFoundText);
          return { ...result, value: [result.value] };
        },
        { filterable: false },
      );
    },
    'PreparedQuery.List': (_args, call) =>
      runRead(context, call, () => preparedQueryList(context.store), { filterable: false }),
    'PreparedQuery.Explain': (args, call) => {
      const { name, options } = executeArgs(args);
      return runRead(
        context,
        unblocked(call),
        () => ({ index: 0, value: { Query: resolve(name, options.agent) }, watch: new WatchSet() }),
        { filterable: false },
      );
    },
    'PreparedQuery.Execute': async (args, call) => {
      const { name, options } = executeArgs(args);
      let query: PreparedQueryFields | null = null;
      const answer = await runRead(
        context,
        unblocked(call),
        () => {
          query = resolve(name, options.agent);
          const local = executeLocally(context.store, query, localDatacenter, options.connect);
          return {
            index: 0,
            value: orderForQuery(context.store, local, query, options, context.rand),
            watch: new WatchSet(),
          };
        },
        { filterable: false },
      );
      if (answer.value.Nodes.length > 0 || query === null) return answer;
      // Nothing healthy here: the router decides which other datacenters exist (none before WAN federation).
      const value: PreparedQueryExecuteReply = await queryFailover(
        datacenters,
        query,
        options.limit,
        answer.value,
        // Only reachable once the router knows other datacenters; Consul logs and tries the next one.
        () => undefined,
      );
      return { ...answer, value };
    },
  };
}
