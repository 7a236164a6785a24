// Proves the push-pull interval scaling against memberlist's TestPushPullScale table: flat up to 32 members, then
// one more base interval per doubling.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pushPullIntervalMs } from './push-pull.js';

describe('pushPullIntervalMs', () => {
  const table: [n: number, expectedMs: number][] = [
    [0, 30_000],
    [1, 30_000],
    [32, 30_000],
    [33, 60_000],
    [64, 60_000],
    [65, 90_000],
    [128, 90_000],
    [129, 120_000],
    [1_000, 180_000],
    [5_000, 270_000],
  ];
  for (const [n, expectedMs] of table) {
    it(`n = ${n} → ${expectedMs} ms`, () => assert.equal(pushPullIntervalMs(30_000, n), expectedMs));
  }
});
