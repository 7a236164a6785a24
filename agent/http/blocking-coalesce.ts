// Identical blocking reads share one RPC. A thousand watchers of one service on one agent send the same query
// (same method, arguments, datacenter, token, index, wait, consistency, filter): the agent forwards it to the
// servers once and hands the one answer to every waiter, instead of holding a thousand server watches that all
// wake, re-run and travel back together (Consul's "watchers per service" problem, reference §5).
//
// Only blocking reads (index > 0) are shared, and never `?consistent` ones: a blocking answer promises an index
// above the one asked, which the shared answer keeps; a consistent read promises to see every write acknowledged
// before it began, which a call started earlier might not. The wait is part of the key, so nobody waits longer
// than asked. The shared call is aborted only when its last waiter has gone.

import { abortReason } from '../../lib/errors.js';
import type { CallOptions, QueryReply, RpcClient, RpcMethodName, RpcMethods } from '../../server/rpc/methods.js';

/** In-flight shared calls kept at once; past this, calls go straight through (bounded memory, STYLE §3.7). */
export const sharedBlockingCallsMax = 10_000;

interface SharedCall {
  readonly promise: Promise<unknown>;
  readonly controller: AbortController;
  waiters: number;
}

export interface CoalescingStats {
  /** Calls that joined one already in flight. */
  joined: number;
  /** Calls that started a shared call. */
  started: number;
  /** Blocking calls sent alone because the table was full. */
  overflowed: number;
}

function keyOf(method: string, args: unknown, options: CallOptions): string | null {
  const query = options.query;
  if (!query || query.minQueryIndex <= 0 || query.consistency === 'consistent') return null;
  return JSON.stringify([
    method,
    args,
    options.context.datacenter,
    options.context.token,
    query.minQueryIndex,
    query.maxQueryTimeMs,
    query.consistency,
    query.filter,
    query.nodeMeta,
  ]);
}

/** Rejects when `signal` aborts, so one waiter can leave a shared call without ending it for the others. */
function untilAborted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

export class CoalescingRpcClient implements RpcClient {
  readonly stats: CoalescingStats = { joined: 0, started: 0, overflowed: 0 };
  private readonly inFlight = new Map<string, SharedCall>();

  constructor(
    private readonly inner: RpcClient,
    private readonly sharedCallsMax = sharedBlockingCallsMax,
  ) {}

  /** Shared calls in flight now (for tests and metrics). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  async call<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    const key = keyOf(method, args, options);
    if (key === null) return this.inner.call(method, args, options);
    let shared = this.inFlight.get(key);
    if (shared) this.stats.joined++;
    else {
      if (this.inFlight.size >= this.sharedCallsMax) {
        this.stats.overflowed++;
        return this.inner.call(method, args, options);
      }
      const controller = new AbortController();
      const promise = this.inner.call(method, args, { ...options, signal: controller.signal });
      shared = { promise, controller, waiters: 0 };
      const entry = shared;
      this.inFlight.set(key, entry);
      this.stats.started++;
      // Settled calls leave the table at once: a later identical query starts afresh.
      const leave = (): void => {
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
      };
      promise.then(leave, leave);
    }
    shared.waiters++;
    const aborted = untilAborted(options.signal);
    try {
      return (await Promise.race([shared.promise, aborted.promise])) as QueryReply<unknown> as RpcMethods[M]['reply'];
    } finally {
      aborted.dispose();
      shared.waiters--;
      if (shared.waiters === 0 && this.inFlight.get(key) === shared) {
        // The last waiter left before the answer: nobody needs the server's watch any more.
        this.inFlight.delete(key);
        shared.controller.abort(new Error('every waiter of a shared blocking read has gone'));
      }
    }
  }
}
