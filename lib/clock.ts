// Time as a component: drivers and edges read time and arm timers through a Clock, so tests and the simulator
// can swap in a ManualClock and advance time by hand instead of sleeping.

import { assert } from './assert.js';

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary epoch; monotonic for RealClock. */
  nowMs(): number;
  /** Wall-clock milliseconds since the Unix epoch (for timestamps shown to people). */
  wallMs(): number;
  setTimer(delayMs: number, callback: () => void): Timer;
}

/** The process clock: monotonic `performance.now()` and real `setTimeout` timers. */
export class RealClock implements Clock {
  nowMs(): number {
    return performance.now();
  }
  wallMs(): number {
    return Date.now();
  }
  setTimer(delayMs: number, callback: () => void): Timer {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  }
}

interface PendingTimer {
  readonly dueMs: number;
  readonly sequence: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; timers fire in due order (ties in arming order) during `advance`. */
export class ManualClock implements Clock {
  private currentMs: number;
  private sequence = 0;
  private pending: PendingTimer[] = [];

  constructor(
    startMs = 0,
    private readonly wallEpochMs = 1_700_000_000_000,
  ) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  wallMs(): number {
    return this.wallEpochMs + this.currentMs;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: PendingTimer = {
      dueMs: this.currentMs + Math.max(0, delayMs),
      sequence: this.sequence++,
      callback,
      cancelled: false,
    };
    this.pending.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Number of timers armed and not yet fired or cancelled. */
  pendingTimerCount(): number {
    return this.pending.filter((timer) => !timer.cancelled).length;
  }

  /** Moves time forward by `deltaMs`, firing every timer that falls due on the way, at its due time. */
  advance(deltaMs: number): void {
    assert(deltaMs >= 0, 'ManualClock cannot go backwards');
    const targetMs = this.currentMs + deltaMs;
    for (;;) {
      const next = this.nextDue(targetMs);
      if (next === undefined) break;
      this.pending = this.pending.filter((timer) => timer !== next);
      this.currentMs = next.dueMs;
      next.callback();
    }
    this.currentMs = targetMs;
  }

  private nextDue(limitMs: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.pending) {
      if (timer.cancelled || timer.dueMs > limitMs) continue;
      if (!best || timer.dueMs < best.dueMs || (timer.dueMs === best.dueMs && timer.sequence < best.sequence)) {
        best = timer;
      }
    }
    this.pending = this.pending.filter((timer) => !timer.cancelled);
    return best;
  }
}

/** Resolves after `delayMs` on the given clock, or rejects with the signal's reason when aborted first. */
export function delay(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortSignal that fires after `delayMs` on the given clock (a TimeoutError as reason). */
export function timeoutSignal(clock: Clock, delayMs: number, message = 'timed out'): AbortSignal {
  const controller = new AbortController();
  clock.setTimer(delayMs, () => controller.abort(new DOMException(message, 'TimeoutError')));
  return controller.signal;
}
