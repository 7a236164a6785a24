// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the delay for
// attempt n is uniform in [0, min(cap, base * 2^n)), which spreads retries of many clients apart.

import { assert } from './assert.js';
import type { Rand } from './rand.js';

export interface BackoffConfig {
  readonly baseDelayMs: number;
  readonly delayMsMax: number;
}

/** The upper bound of the delay before retry `attempt` (0-based), before jitter. */
export function backoffCeilingMs(config: BackoffConfig, attempt: number): number {
  assert(attempt >= 0, 'attempt must not be negative');
  // 2^attempt overflows to Infinity past ~1023; min() keeps the result at the cap.
  return Math.min(config.delayMsMax, config.baseDelayMs * 2 ** Math.min(attempt, 1023));
}

/** A full-jitter delay for retry `attempt`: uniform in [0, ceiling). */
export function backoffDelayMs(config: BackoffConfig, attempt: number, rand: Rand): number {
  return rand.float() * backoffCeilingMs(config, attempt);
}

/** Stateful helper for retry loops: `next()` gives the next delay, `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly config: BackoffConfig,
    private readonly rand: Rand,
  ) {
    assert(config.baseDelayMs > 0, 'baseDelayMs must be positive');
    assert(config.delayMsMax >= config.baseDelayMs, 'delayMsMax must be at least baseDelayMs');
  }
  next(): number {
    const delayMs = backoffDelayMs(this.config, this.attempt, this.rand);
    this.attempt++;
    return delayMs;
  }
  reset(): void {
    this.attempt = 0;
  }
  attempts(): number {
    return this.attempt;
  }
}
