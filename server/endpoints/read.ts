// The shared read path of every query endpoint (Consul rpc.go blockingQuery): `?consistent` waits for a ReadIndex
// point first (and again after a blocking wait), `?filter=` is compiled once and applied to each run's rows, the
// wait is capped at max_query_time plus up to 1/16 jitter, and the answer carries QueryMeta (index ≥ 1, known
// leader, last contact).

import { type CompiledFilter, compileFilter, FilterError, FilterEvaluationError } from '../filter/index.js';
import { BadRequestError, RpcOverloadedError } from '../rpc/errors.js';
import type { QueryReply } from '../rpc/methods.js';
import type { QueryResult } from '../state/store.js';
import { blockingQuery, queryWaitJitterFraction } from '../state-watch.js';
import type { EndpointContext, HandlerCall } from './context.js';

/** The wait a blocking read may use: the caller's (or default_query_time), capped, plus jitter. */
export function queryWaitMs(context: EndpointContext, requestedMs: number): number {
  let waitMs = requestedMs > 0 ? requestedMs : context.defaultQueryTimeMs;
  waitMs = Math.min(waitMs, context.maxQueryTimeMs);
  return waitMs + Math.floor(context.rand.float() * (waitMs / queryWaitJitterFraction));
}

export function compileQueryFilter(expression: string): CompiledFilter | null {
  if (expression.length === 0) return null;
  try {
    return compileFilter(expression);
  } catch (error) {
    if (error instanceof FilterError) throw new BadRequestError(error.message, { cause: error });
    throw error;
  }
}

/** One datum through the filter; an evaluation error (a literal of the wrong type) is the caller's 400. */
export function filterMatches(filter: CompiledFilter, datum: unknown): boolean {
  try {
    return filter.matches(datum);
  } catch (error) {
    if (error instanceof FilterEvaluationError) throw new BadRequestError(error.message, { cause: error });
    throw error;
  }
}

function applyFilter<T>(filter: CompiledFilter | null, value: T): T {
  if (filter === null) return value;
  try {
    if (Array.isArray(value)) return filter.apply(value) as T;
    if (value !== null && typeof value === 'object') return filter.applyToRecord(value as Record<string, unknown>) as T;
    return value;
  } catch (error) {
    if (error instanceof FilterEvaluationError) throw new BadRequestError(error.message, { cause: error });
    throw error;
  }
}

export interface ReadOptions {
  /** Whether `?filter=` applies to this read's rows (Consul filters list answers only). */
  readonly filterable: boolean;
}

export async function runRead<T>(
  context: EndpointContext,
  call: HandlerCall,
  read: () => QueryResult<T>,
  options: ReadOptions = { filterable: true },
): Promise<QueryReply<T>> {
  const query = call.query;
  const filter = options.filterable ? compileQueryFilter(query.filter) : null;
  if (query.consistency === 'consistent') await context.readBarrier(call.signal);
  const blocking = query.minQueryIndex > 0;
  if (blocking) {
    if (context.blocking.inFlight >= context.blocking.inFlightMax)
      throw new RpcOverloadedError(`more than ${context.blocking.inFlightMax} blocking queries are waiting`);
    context.blocking.inFlight++;
    context.metrics.blockingQueries.inc();
  }
  try {
    const run = (): QueryResult<T> => {
      const result = read();
      return { ...result, value: applyFilter(filter, result.value) };
    };
    let answer: { readonly index: number; readonly value: T; readonly runs: number } = await blockingQuery({
      store: context.store,
      clock: context.clock,
      minIndex: query.minQueryIndex,
      waitMs: blocking ? queryWaitMs(context, query.maxQueryTimeMs) : 0,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
      run,
    });
    if (query.consistency === 'consistent' && answer.runs > 1) {
      // Leadership may have moved while we waited: confirm it again before answering (reference §2.2).
      await context.readBarrier(call.signal);
      const fresh = run();
      answer = { index: Math.max(1, fresh.index), value: fresh.value, runs: answer.runs + 1 };
    }
    return {
      value: answer.value,
      meta: {
        index: answer.index,
        knownLeader: context.knownLeader(),
        lastContactMs: context.lastContactMs(),
      },
    };
  } finally {
    if (blocking) {
      context.blocking.inFlight--;
      context.metrics.blockingQueries.dec();
    }
  }
}

/** Reads a string field of decoded args (they may come from the network). */
export function stringArg(args: unknown, field: string, options: { readonly required: boolean }): string {
  const value = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[field] : undefined;
  if (value === undefined || value === null || value === '') {
    if (options.required) throw new BadRequestError(`Missing ${field}`);
    return '';
  }
  if (typeof value !== 'string') throw new BadRequestError(`${field} must be a string`);
  return value;
}

export function booleanArg(args: unknown, field: string): boolean {
  const value = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[field] : undefined;
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new BadRequestError(`${field} must be a boolean`);
  return value;
}

export function stringListArg(args: unknown, field: string): string[] {
  const value = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[field] : undefined;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new BadRequestError(`${field} must be a list of strings`);
  return value;
}

/** `?node-meta=` as the store's reads take it (undefined when none, so they skip the filtering). */
export function nodeMetaOf(call: HandlerCall): Readonly<Record<string, string>> | undefined {
  return Object.keys(call.query.nodeMeta).length === 0 ? undefined : call.query.nodeMeta;
}
