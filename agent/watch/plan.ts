// The watch plan behind `lattice watch`, as Consul's api/watch Plan.Run: follow one blocking query, and hand each
// changed result to a handler. The rules, each from Consul's plan.go and watch.go:
// - the next request blocks on the last index; an error forgets it (the retry starts from a fresh read) and waits
//   retryInterval × failures², capped at maxBackoff, before trying again;
// - an answer at the same index as the last is a timeout, not a change: nothing runs;
// - an index lower than the last (a restored snapshot, a new leader's table) resets the next request to index 0
//   (Consul's blocking-query guide and the WaitIndexVal.Next of Consul 1.x); not for event watches, whose index
//   is a hash of the newest event's random UUID with no order (newer Consul dropped the reset for that reason);
// - a new index whose result deep-equals the last one runs nothing (an idempotent write woke the query);
// - an index of 0 is never blocked on: it is a server bug Consul's blocking-query guide says to treat as 1, or
//   every request would return at once and the watch would spin.
// Time and HTTP are injected, so the unit tests drive it with a ManualClock and a fake fetch. Used by
// `lattice watch` (bin/commands/watch.ts) and by the agent's `watches` config (config-watches.ts).

import { isDeepStrictEqual } from 'node:util';
import { type Clock, delay } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import type { WatchSpec } from './types.js';

/** Consul's retryInterval: the first retry after an error waits this long (then 4×, 9×, ...). */
export const watchRetryIntervalMs = 5_000;
/** Consul's maxBackoffTime: no retry waits longer. */
export const watchBackoffMsMax = 180_000;
/**
 * The `wait` of each blocking request. Consul's plan sends none (the server's 5 min default), but Node's fetch
 * gives up on a response whose headers take 300 s, and 5 min plus the server's jitter (up to wait/16) is longer;
 * 4 min plus jitter stays under it. The client deadline (wait, jitter and slack) notices a half-dead connection.
 */
export const watchWaitMs = 240_000;
const watchRequestDeadlineMs = watchWaitMs + watchWaitMs / 16 + 10_000;

/** Consul's backoff after `failures` consecutive errors (1-based): retryInterval × failures², capped. */
export function watchRetryDelayMs(failures: number): number {
  return Math.min(watchRetryIntervalMs * failures * failures, watchBackoffMsMax);
}

export class WatchRequestError extends LatticeError {
  override readonly name = 'WatchRequestError';
}

/** What one request gave: the blocking index (X-Consul-Index) and the result the handler sees. */
export interface WatchAnswer {
  readonly index: bigint;
  readonly result: unknown;
}

/** The agent to ask: `http://host:port` without a trailing slash, and the ACL token (X-Consul-Token) or null. */
export interface WatchTarget {
  readonly baseUrl: string;
  readonly token: string | null;
}

export type FetchLike = (url: URL, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

export interface WatchPlanInit {
  readonly spec: WatchSpec;
  readonly target: WatchTarget;
  readonly clock: Clock;
  /** Runs on each change; a rejection stops the plan (consul watch exits 1 when its handler fails). */
  readonly handler: (index: bigint, result: unknown) => Promise<void>;
  /** Told about each failed request and the wait before the retry. */
  readonly onError?: (error: Error, retryMs: number) => void;
  readonly fetch?: FetchLike;
  readonly datacenter?: string;
  readonly stale?: boolean;
}

/**
 * The index the next request blocks on, from the answer's index and the one before (null: none yet); `ordered`
 * is false for indexes that only say "different" (events).
 */
export function nextWaitIndex(answered: bigint, previous: bigint | null, ordered = true): bigint {
  if (ordered && previous !== null && answered < previous) return 0n;
  return answered === 0n ? 1n : answered;
}

export class WatchPlan {
  private lastIndex: bigint | null = null;
  private lastResult: unknown;
  private failures = 0;
  private readonly fetch: FetchLike;

  constructor(private readonly init: WatchPlanInit) {
    this.fetch = init.fetch ?? ((url, options) => fetch(url, options));
  }

  /** Loops until `signal` aborts (resolves) or the handler fails (rejects with its error). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let answer: WatchAnswer;
      try {
        answer = await this.request(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.failures++;
        this.lastIndex = null;
        const retryMs = watchRetryDelayMs(this.failures);
        this.init.onError?.(error as Error, retryMs);
        try {
          await delay(this.init.clock, retryMs, signal);
        } catch {
          return;
        }
        continue;
      }
      if (signal.aborted) return;
      this.failures = 0;
      if (this.lastIndex !== null && answer.index === this.lastIndex) continue;
      const previous = this.lastIndex;
      this.lastIndex = nextWaitIndex(answer.index, previous, this.init.spec.orderedIndex);
      if (previous !== null && isDeepStrictEqual(this.lastResult, answer.result)) continue;
      this.lastResult = answer.result;
      await this.init.handler(answer.index, answer.result);
    }
  }

  /** One blocking request at the last index (none on the first, or after an error or reset). */
  private async request(signal: AbortSignal): Promise<WatchAnswer> {
    const { spec, target } = this.init;
    const url = new URL(`${target.baseUrl}${spec.path}`);
    for (const [key, value] of spec.query) url.searchParams.append(key, value);
    if (this.init.datacenter) url.searchParams.set('dc', this.init.datacenter);
    if (this.init.stale && spec.allowsStale) url.searchParams.set('stale', '');
    const waitIndex = this.lastIndex ?? 0n;
    if (waitIndex > 0n) {
      url.searchParams.set('index', waitIndex.toString());
      url.searchParams.set('wait', `${watchWaitMs / 1000}s`);
    }
    let response: Response;
    try {
      const headers: Record<string, string> = target.token === null ? {} : { 'X-Consul-Token': target.token };
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(watchRequestDeadlineMs)]);
      response = await this.fetch(url, { headers, signal: deadline });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new WatchRequestError(
        'ERR_AGENT_UNREACHABLE',
        `cannot reach the agent at ${target.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message})`,
        { cause: error },
      );
    }
    const text = await response.text();
    const found = response.ok || (response.status === 404 && spec.notFound !== undefined);
    if (!found)
      throw new WatchRequestError('ERR_AGENT_HTTP', `Unexpected response code: ${response.status} (${text.trim()})`);
    const header = response.headers.get('x-consul-index');
    if (header === null || !/^\d+$/.test(header))
      throw new WatchRequestError('ERR_AGENT_HTTP', `Failed to parse X-Consul-Index: "${header ?? ''}"`);
    const index = BigInt(header);
    if (!response.ok) return { index, result: spec.notFound };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new WatchRequestError('ERR_AGENT_HTTP', 'the agent answered with unreadable JSON', { cause: error });
    }
    return { index, result: spec.result(body, this.lastIndex) };
  }
}
