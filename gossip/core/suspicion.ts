// Lifeguard dynamic suspicion as a value with a deadline: the timeout starts at its max and shrinks toward its min
// as independent members confirm the suspicion (memberlist's suspicion.go, without its timer).

import { assert } from '../../lib/assert.js';

/** Minimum suspicion timeout: mult × max(1, log10(max(1, n))) × probeInterval, in whole milliseconds. */
export function suspicionTimeoutMsMin(
  suspicionMultiplier: number,
  memberCount: number,
  probeIntervalMs: number,
): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, memberCount)));
  return Math.floor(suspicionMultiplier * nodeScale * probeIntervalMs);
}

/**
 * Confirmations expected before the timeout reaches its min: suspicionMultiplier − 2, or 0 when the pool is too
 * small to supply them (n − 2 < k, since neither the suspect nor we can confirm).
 */
export function suspicionConfirmationsExpected(suspicionMultiplier: number, memberCount: number): number {
  const expected = Math.max(0, suspicionMultiplier - 2);
  return memberCount - 2 < expected ? 0 : expected;
}

/**
 * The timeout after `confirmations` of `expected`: max − log(c + 1) / log(k + 1) × (max − min), floored to whole
 * milliseconds and never below min. With k = 0 it is min at once.
 */
export function suspicionTimeoutMs(
  confirmations: number,
  expected: number,
  timeoutMsMin: number,
  timeoutMsMax: number,
): number {
  if (expected < 1) return timeoutMsMin;
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1);
  const raw = Math.floor(timeoutMsMax - fraction * (timeoutMsMax - timeoutMsMin));
  return Math.max(timeoutMsMin, raw);
}

/** One member's suspicion: who confirmed it and when it expires. The caller owns the member state change. */
export class Suspicion {
  private readonly confirmers = new Set<string>();
  private confirmationCount = 0;
  deadlineMs: number;

  constructor(
    readonly node: string,
    readonly incarnation: number,
    from: string,
    readonly startMs: number,
    readonly expected: number,
    readonly timeoutMsMin: number,
    readonly timeoutMsMax: number,
  ) {
    assert(timeoutMsMin <= timeoutMsMax, 'suspicion min timeout must not exceed max');
    // The first accuser is not a confirmation; it only cannot confirm again.
    this.confirmers.add(from);
    this.deadlineMs = startMs + suspicionTimeoutMs(0, expected, timeoutMsMin, timeoutMsMax);
  }

  get confirmations(): number {
    return this.confirmationCount;
  }

  /** Holds the deadline to at least `untilMs` (a grace after this node stalled); later confirmations recompute it. */
  extendDeadline(untilMs: number): void {
    if (this.deadlineMs < untilMs) this.deadlineMs = untilMs;
  }

  /**
   * Records a confirmation from `from`; returns true when it was new and counted (so the caller re-broadcasts it).
   * Confirmations beyond the expected number change nothing.
   */
  confirm(from: string): boolean {
    if (this.confirmationCount >= this.expected) return false;
    if (this.confirmers.has(from)) return false;
    this.confirmers.add(from);
    this.confirmationCount++;
    this.deadlineMs =
      this.startMs + suspicionTimeoutMs(this.confirmationCount, this.expected, this.timeoutMsMin, this.timeoutMsMax);
    return true;
  }
}
