// Lifeguard local health awareness: a score 0..max−1 that rises when this node misses acks or must refute, falls on
// success, and stretches by (score + 1) how long a probe waits for any ack before suspecting its target, so a slow
// node gives peers more time instead of accusing them (memberlist's probeNode; its probe ticker stays at the interval).

import { assert } from '../../lib/assert.js';

export class Awareness {
  private value = 0;

  constructor(readonly multiplierMax: number) {
    assert(Number.isSafeInteger(multiplierMax) && multiplierMax > 0, 'awareness multiplierMax must be positive');
  }

  get score(): number {
    return this.value;
  }

  /** Adds `delta`, clamped to 0..multiplierMax − 1; returns the new score. */
  apply(delta: number): number {
    this.value = clampScore(this.value + delta, this.multiplierMax);
    return this.value;
  }

  /** `timeoutMs` stretched by (score + 1). */
  scale(timeoutMs: number): number {
    return scaleByScore(timeoutMs, this.value);
  }
}

export function clampScore(score: number, multiplierMax: number): number {
  return Math.min(multiplierMax - 1, Math.max(0, score));
}

export function scaleByScore(timeoutMs: number, score: number): number {
  return timeoutMs * (score + 1);
}

/**
 * The awareness change after a failed probe: with helpers that were asked for nacks, +1 for each nack that did
 * not arrive (missing nacks mean our own network is bad); with none, +1 for the failure itself.
 */
export function failedProbeDelta(nacksExpected: number, nacksReceived: number): number {
  if (nacksExpected === 0) return 1;
  return Math.max(0, nacksExpected - nacksReceived);
}
