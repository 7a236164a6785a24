// Proves the Lifeguard suspicion math against hand-computed tables (memberlist's suspicion_test.go cases in
// milliseconds): min timeout by pool size, expected confirmations, the shrinking timeout, and that a Suspicion
// value moves its deadline only for new, independent confirmers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Suspicion, suspicionConfirmationsExpected, suspicionTimeoutMs, suspicionTimeoutMsMin } from './suspicion.js';

describe('suspicionTimeoutMsMin', () => {
  const table: [mult: number, n: number, intervalMs: number, expectedMs: number][] = [
    [4, 0, 1_000, 4_000], // n below 1 counts as 1, and the scale is at least 1
    [4, 1, 1_000, 4_000],
    [4, 10, 1_000, 4_000], // log10(10) = 1
    [4, 100, 1_000, 8_000], // the reference's example: LAN, n = 100 → 8 s
    [4, 1_000, 1_000, 12_000],
    [3, 1_000, 100, 900], // -dev
    [6, 100, 5_000, 60_000], // WAN
    [4, 50, 1_000, 6_795], // 4 × 1.69897 s, floored to whole ms
  ];
  for (const [mult, n, intervalMs, expectedMs] of table) {
    it(`mult ${mult}, n ${n}, interval ${intervalMs} ms → ${expectedMs} ms`, () => {
      assert.equal(suspicionTimeoutMsMin(mult, n, intervalMs), expectedMs);
    });
  }
});

describe('suspicionConfirmationsExpected', () => {
  const table: [mult: number, n: number, expected: number][] = [
    [4, 100, 2],
    [4, 4, 2],
    [4, 3, 0], // n − 2 < k: not enough members to confirm
    [6, 100, 4],
    [2, 100, 0],
    [1, 100, 0],
  ];
  for (const [mult, n, expected] of table) {
    it(`mult ${mult}, n ${n} → ${expected}`, () => assert.equal(suspicionConfirmationsExpected(mult, n), expected));
  }
});

describe('suspicionTimeoutMs (memberlist TestSuspicion_remainingSuspicionTime, elapsed 0)', () => {
  const table: [confirmations: number, k: number, minMs: number, maxMs: number, expectedMs: number][] = [
    [0, 3, 2_000, 30_000, 30_000],
    [1, 3, 2_000, 30_000, 16_000], // 30 − log(2)/log(4) × 28 = 16
    [2, 3, 2_000, 30_000, 7_810], // 30 − log(3)/log(4) × 28 = 7.8105…
    [3, 3, 2_000, 30_000, 2_000],
    [4, 3, 2_000, 30_000, 2_000], // never below min
    [5, 3, 2_000, 30_000, 2_000],
    [0, 0, 2_000, 30_000, 2_000], // k = 0: min at once
    [0, 2, 8_000, 48_000, 48_000], // LAN n = 100 starts at 48 s
    [1, 2, 8_000, 48_000, 22_762], // 48 − log(2)/log(3) × 40 = 22.7628…
    [2, 2, 8_000, 48_000, 8_000],
  ];
  for (const [confirmations, k, minMs, maxMs, expectedMs] of table) {
    it(`${confirmations} of ${k} confirmations within ${minMs}..${maxMs} → ${expectedMs} ms`, () => {
      assert.equal(suspicionTimeoutMs(confirmations, k, minMs, maxMs), expectedMs);
    });
  }
});

describe('Suspicion', () => {
  it('starts at max and shrinks to min with independent confirmations only', () => {
    const suspicion = new Suspicion('target', 3, 'accuser', 10_000, 2, 8_000, 48_000);
    assert.equal(suspicion.deadlineMs, 58_000);
    assert.equal(suspicion.confirm('accuser'), false, 'the first accuser does not confirm itself');
    assert.equal(suspicion.confirm('b'), true);
    assert.equal(suspicion.deadlineMs, 10_000 + 22_762);
    assert.equal(suspicion.confirm('b'), false, 'the same confirmer counts once');
    assert.equal(suspicion.confirm('c'), true);
    assert.equal(suspicion.deadlineMs, 18_000);
    assert.equal(suspicion.confirm('d'), false, 'confirmations past k change nothing');
    assert.equal(suspicion.confirmations, 2);
  });

  it('with k = 0 expires at min', () => {
    const suspicion = new Suspicion('target', 0, 'accuser', 0, 0, 4_000, 24_000);
    assert.equal(suspicion.deadlineMs, 4_000);
    assert.equal(suspicion.confirm('b'), false);
  });
});
