// A value with an index that blocking readers wait on: `wait(minIndex, waitMs)` answers at once when the index is
// already past minIndex, else when `set` moves it, the wait ends (the current value), or the signal aborts. Timers
// come from the injected Clock; waiters are bounded.

import type { Clock, Timer } from '../../lib/clock.js';
import { AbortError } from '../../lib/errors.js';

/** Blocking readers parked on one value at once; past this the newest is answered at once with the current value. */
export const versionedWaitersMax = 4_096;

export interface Indexed<T> {
  readonly index: number;
  readonly value: T;
}

interface Waiter<T> {
  readonly minIndex: number;
  resolve(answer: Indexed<T>): void;
}

export class Versioned<T> {
  private current: Indexed<T> | null = null;
  private readonly waiters = new Set<Waiter<T>>();
  private readonly firstWaiters = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  get(): Indexed<T> | null {
    return this.current;
  }

  set(value: T, index: number): void {
    this.current = { value, index };
    for (const resolve of [...this.firstWaiters]) resolve();
    this.firstWaiters.clear();
    for (const waiter of [...this.waiters]) {
      if (index > waiter.minIndex || index < waiter.minIndex) {
        this.waiters.delete(waiter);
        waiter.resolve(this.current);
      }
    }
  }

  /** Resolves once a first value exists. */
  ready(signal?: AbortSignal): Promise<Indexed<T>> {
    const current = this.current;
    if (current !== null) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.current as Indexed<T>);
      };
      const onAbort = (): void => {
        this.firstWaiters.delete(done);
        reject(new AbortError('request aborted', { cause: signal?.reason }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.firstWaiters.add(done);
    });
  }

  /** Consul's blocking read: waits while the index equals minIndex (a lower index answers at once, as a reset). */
  async wait(minIndex: number, waitMs: number, signal?: AbortSignal): Promise<Indexed<T>> {
    const first = await this.ready(signal);
    if (minIndex <= 0 || first.index !== minIndex || this.waiters.size >= versionedWaitersMax) return first;
    return new Promise((resolve, reject) => {
      let timer: Timer | null = null;
      const finish = (answer: Indexed<T>): void => {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
        resolve(answer);
      };
      const waiter: Waiter<T> = { minIndex, resolve: finish };
      const onAbort = (): void => {
        timer?.cancel();
        this.waiters.delete(waiter);
        reject(new AbortError('request aborted', { cause: signal?.reason }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      timer = this.clock.setTimer(waitMs, () => finish(this.current as Indexed<T>));
    });
  }
}
