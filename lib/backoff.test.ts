// Proves that full-jitter backoff stays within [0, min(cap, base*2^n)) and spreads delays across that range.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, backoffCeilingMs, backoffDelayMs } from './backoff.js';
import { SeededRand } from './rand.js';

const config = { baseDelayMs: 100, delayMsMax: 5_000 };

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 100, 5000].map((attempt) => backoffCeilingMs(config, attempt)),
      [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000],
    );
  });
  it('keeps every delay within its bounds', () => {
    const rand = new SeededRand(11);
    for (let attempt = 0; attempt < 20; attempt++) {
      for (let i = 0; i < 200; i++) {
        const delayMs = backoffDelayMs(config, attempt, rand);
        assert.ok(delayMs >= 0 && delayMs < backoffCeilingMs(config, attempt), `attempt ${attempt}: ${delayMs}`);
      }
    }
  });
  it('spreads delays over the whole range (full jitter, not equal jitter)', () => {
    const rand = new SeededRand(12);
    const delays = Array.from({ length: 5000 }, () => backoffDelayMs(config, 10, rand));
    const lowQuarter = delays.filter((delayMs) => delayMs < 1250).length / delays.length;
    const highQuarter = delays.filter((delayMs) => delayMs >= 3750).length / delays.length;
    assert.ok(Math.abs(lowQuarter - 0.25) < 0.03, `low quarter ${lowQuarter}`);
    assert.ok(Math.abs(highQuarter - 0.25) < 0.03, `high quarter ${highQuarter}`);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    assert.ok(Math.abs(mean - 2500) < 100, `mean ${mean}`);
  });
  it('resets after a success', () => {
    const backoff = new Backoff(config, new SeededRand(1));
    for (let i = 0; i < 10; i++) backoff.next();
    assert.equal(backoff.attempts(), 10);
    backoff.reset();
    assert.ok(backoff.next() < 100);
  });
});
