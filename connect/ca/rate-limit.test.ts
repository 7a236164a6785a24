// Proves the CSR admission math with injected time: the bucket admits one second's burst, refills at the configured
// rate, names when to retry, and the concurrency cap replaces the rate when set, as Consul's limits do.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../../lib/assert.js';
import {
  admitCsr,
  type CsrLimitConfig,
  type CsrLimiterState,
  initialCsrLimiterState,
  releaseCsr,
} from './rate-limit.js';

function admitMany(state: CsrLimiterState, config: CsrLimitConfig, nowMs: number, count: number) {
  let admitted = 0;
  let current = state;
  for (let attempt = 0; attempt < count; attempt++) {
    const decision = admitCsr(current, config, nowMs);
    current = decision.state;
    if (decision.admitted) {
      admitted += 1;
      current = releaseCsr(current);
    }
  }
  return { admitted, state: current };
}

describe('CSR rate limiter', () => {
  const perSecond: CsrLimitConfig = { csrMaxPerSecond: 50, csrMaxConcurrent: 0 };

  it('admits a burst of csrMaxPerSecond, then refuses with the time to the next token', () => {
    const start = initialCsrLimiterState(perSecond, 0);
    const { admitted, state } = admitMany(start, perSecond, 0, 80);
    assert.equal(admitted, 50);
    const refused = admitCsr(state, perSecond, 0);
    assert.equal(refused.admitted, false);
    assert.equal(refused.admitted === false && refused.retryAfterMs, 20); // 1 token at 50/s takes 20 ms
  });

  it('refills at the configured rate', () => {
    let state = admitMany(initialCsrLimiterState(perSecond, 0), perSecond, 0, 50).state;
    const table: [number, number][] = [
      [10, 0], // half a token
      [20, 1],
      [100, 4],
      [1_100, 50], // capped at the burst
      [1_120, 1],
    ];
    for (const [nowMs, expected] of table) {
      const result = admitMany(state, perSecond, nowMs, 200);
      assert.equal(result.admitted, expected, `at ${nowMs} ms`);
      state = result.state;
    }
  });

  it('a clock that steps back never mints tokens', () => {
    const state = admitMany(initialCsrLimiterState(perSecond, 1_000), perSecond, 1_000, 50).state;
    assert.equal(admitMany(state, perSecond, 0, 10).admitted, 0);
  });

  it('0 per second means unlimited', () => {
    const unlimited = { csrMaxPerSecond: 0, csrMaxConcurrent: 0 };
    assert.equal(admitMany(initialCsrLimiterState(unlimited, 0), unlimited, 0, 10_000).admitted, 10_000);
  });

  it('a fractional rate still admits one, then waits', () => {
    const slow = { csrMaxPerSecond: 0.5, csrMaxConcurrent: 0 };
    const first = admitMany(initialCsrLimiterState(slow, 0), slow, 0, 5);
    assert.equal(first.admitted, 1);
    assert.equal(admitMany(first.state, slow, 1_999, 5).admitted, 0);
    assert.equal(admitMany(first.state, slow, 2_000, 5).admitted, 1);
  });

  it('csrMaxConcurrent caps signings in flight and ignores the rate', () => {
    const concurrent = { csrMaxPerSecond: 1, csrMaxConcurrent: 2 };
    let state = initialCsrLimiterState(concurrent, 0);
    const first = admitCsr(state, concurrent, 0);
    const second = admitCsr(first.state, concurrent, 0);
    const third = admitCsr(second.state, concurrent, 0);
    assert.deepEqual([first.admitted, second.admitted, third.admitted], [true, true, false]);
    state = releaseCsr(third.state);
    assert.equal(admitCsr(state, concurrent, 0).admitted, true);
  });

  it('releasing more than was admitted is a programmer error', () => {
    assert.throws(() => releaseCsr(initialCsrLimiterState(perSecond, 0)), AssertionError);
  });
});
