// A value with an index that blocking readers wait on: `wait(minIndex, waitMs)` answers at once when the index is
// already past minIndex, else when `set` moves it, the wait ends (the current value), or the signal aborts. Timers
// come from the injected Clock; waiters are bounded.

import type { Clock, Timer } from '../../lib/clock.js';
import { AbortError, LatticeError } from '../../lib/errors.js';

/** How long a first read waits for the servers before answering an error instead of hanging. */
export const firstWaitMsDefault = 30_000;

/** No value arrived in time: the servers are unreachable or the CA is not initialized (504 at the edge). */
export class FirstValueTimeoutError extends LatticeError {
  override readonly name = 'FirstValueTimeoutError';
  constructor(what: string, waitedMs: number) {
    super('ERR_TIMEOUT', `no ${what} from the servers after ${waitedMs / 1000} s; they may be unreachable`);
  }
}

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

  constructor(
    private readonly clock: Clock,
    /** Names the value in the timeout error (`CA roots`, `leaf certificate for web`). */
    private readonly what: string,
    /** A reader waiting for the first value gives up after this long (servers unreachable, CA not initialized). */
    private readonly firstWaitMsMax: number = firstWaitMsDefault,
  ) {}

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

  /** Resolves once a first value exists; rejects with FirstValueTimeoutError after firstWaitMsMax. */
  ready(signal?: AbortSignal): Promise<Indexed<T>> {
    const current = this.current;
    if (current !== null) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      let timer: Timer | null = null;
      const done = (): void => {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(this.current as Indexed<T>);
      };
      const onAbort = (): void => {
        timer?.cancel();
        this.firstWaiters.delete(done);
        reject(new AbortError('request aborted', { cause: signal?.reason }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.firstWaiters.add(done);
      timer = this.clock.setTimer(this.firstWaitMsMax, () => {
        signal?.removeEventListener('abort', onAbort);
        this.firstWaiters.delete(done);
        reject(new FirstValueTimeoutError(this.what, this.firstWaitMsMax));
      });
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
