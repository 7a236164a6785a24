// Blocking queries over the state store (Consul's agent/blockingquery): run a read; if its index is above the
// caller's, answer now; otherwise wait until one of the read's watch keys fires or the wait ends, and run it again.
// The waiting lives here, outside the pure store, on the injected Clock so tests drive it with a ManualClock.
//
// Index rules (consul-http-api.md §2.2): an index below 1 is reported as 1; `minIndex` 0 means "do not block";
// a wake-up that leaves the index at or below `minIndex` goes back to waiting (a return does not promise change,
// but a change wakes only the reads that depend on it). The index reported is the store's own, so it goes
// backwards only when the store did (a snapshot restore, or a `minIndex` from another server): that is the
// signal clients use to reset to 0. A restore ends the wait at once with the restored answer.

import type { Clock } from '../lib/clock.js';
import { abortReason } from '../lib/errors.js';
import type { Rand } from '../lib/rand.js';
import type { QueryResult } from './state/store.js';
import type { WatchReason, WatchSet } from './state/watch.js';

/** Consul's default_query_time: the wait when the client names none. */
export const queryWaitMsDefault = 5 * 60_000;
/** Consul's max_query_time: longer waits are cut to this. */
export const queryWaitMsMax = 10 * 60_000;
/** Consul adds up to wait/16 of random jitter so many watchers do not return together. */
export const queryWaitJitterFraction = 16;

export interface WatchSource {
  watch(watch: WatchSet, callback: (reason: WatchReason) => void): () => void;
}

export interface BlockingQueryOptions<T> {
  readonly store: WatchSource;
  readonly clock: Clock;
  /** The client's `?index`; 0 answers at once. */
  readonly minIndex: number;
  /** How long to wait for a change, already defaulted, capped and jittered (see blockingWaitMs). */
  readonly waitMs: number;
  readonly signal?: AbortSignal;
  /** The read: synchronous, over the store as it is now. */
  readonly run: () => QueryResult<T>;
}

export interface BlockingQueryAnswer<T> {
  /** Never below 1. */
  readonly index: number;
  readonly value: T;
  /** How many times `run` was called (for metrics and tests). */
  readonly runs: number;
}

/** The wait for `?wait=` (ms, or 0/undefined when absent): default 5 min, cap 10 min, plus up to wait/16 jitter. */
export function blockingWaitMs(requestedMs: number | undefined, rand: Rand): number {
  let waitMs = requestedMs === undefined || requestedMs <= 0 ? queryWaitMsDefault : requestedMs;
  waitMs = Math.min(waitMs, queryWaitMsMax);
  return waitMs + Math.floor(rand.float() * (waitMs / queryWaitJitterFraction));
}

type WakeReason = WatchReason | 'timeout';

function waitForWake(
  store: WatchSource,
  watch: WatchSet,
  clock: Clock,
  delayMs: number,
  signal: AbortSignal | undefined,
): Promise<WakeReason> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const finish = (reason: WakeReason | null): void => {
      cancelWatch();
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      if (reason === null) reject(abortReason(signal as AbortSignal));
      else resolve(reason);
    };
    const onAbort = (): void => finish(null);
    const cancelWatch = store.watch(watch, (reason) => finish(reason));
    const timer = clock.setTimer(delayMs, () => finish('timeout'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function blockingQuery<T>(options: BlockingQueryOptions<T>): Promise<BlockingQueryAnswer<T>> {
  const { store, clock, minIndex, signal, run } = options;
  if (signal?.aborted) throw abortReason(signal);
  const deadlineMs = clock.nowMs() + Math.max(0, options.waitMs);
  let runs = 0;
  for (;;) {
    const result = run();
    runs++;
    const index = Math.max(1, result.index);
    if (minIndex <= 0 || index > minIndex) return { index, value: result.value, runs };
    const remainingMs = deadlineMs - clock.nowMs();
    if (remainingMs <= 0) return { index, value: result.value, runs };
    const reason = await waitForWake(store, result.watch, clock, remainingMs, signal);
    // Nothing the read depends on changed, so its answer stands.
    if (reason === 'timeout') return { index, value: result.value, runs };
    if (reason === 'restore') {
      const restored = run();
      return { index: Math.max(1, restored.index), value: restored.value, runs: runs + 1 };
    }
  }
}
