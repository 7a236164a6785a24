// Proves the Lifeguard health score: it stays within 0..max−1, scales timeouts by (score + 1), and a failed probe
// raises it by the missing nacks (or by one when no helper was asked), as memberlist's awareness_test.go does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Awareness, clampScore, failedProbeDelta, scaleByScore } from './awareness.js';

describe('Awareness', () => {
  it('applies deltas within 0..max−1 and scales the timeout (memberlist TestAwareness)', () => {
    const table: [delta: number, score: number, scaledMs: number][] = [
      [0, 0, 1_000],
      [-1, 0, 1_000],
      [-10, 0, 1_000],
      [1, 1, 2_000],
      [-1, 0, 1_000],
      [10, 7, 8_000],
      [-1, 6, 7_000],
      [-1, 5, 6_000],
      [-1, 4, 5_000],
      [-1, 3, 4_000],
      [-1, 2, 3_000],
      [-1, 1, 2_000],
      [-1, 0, 1_000],
      [-1, 0, 1_000],
    ];
    const awareness = new Awareness(8);
    for (const [delta, score, scaledMs] of table) {
      awareness.apply(delta);
      assert.equal(awareness.score, score, `after delta ${delta}`);
      assert.equal(awareness.scale(1_000), scaledMs, `scaled after delta ${delta}`);
    }
  });

  it('clamps and scales as pure functions', () => {
    assert.equal(clampScore(-3, 8), 0);
    assert.equal(clampScore(12, 8), 7);
    assert.equal(clampScore(3, 1), 0, 'a max of 1 turns awareness off');
    assert.equal(scaleByScore(500, 3), 2_000);
  });

  it('penalises a failed probe by the nacks that did not arrive', () => {
    const table: [expected: number, received: number, delta: number][] = [
      [0, 0, 1], // no helpers: the failure itself counts
      [3, 3, 0], // every helper answered: the target is gone, we are fine
      [3, 1, 2],
      [3, 0, 3], // nobody answered: probably our own network
      [1, 0, 1],
    ];
    for (const [expected, received, delta] of table)
      assert.equal(failedProbeDelta(expected, received), delta, `${received} of ${expected} nacks`);
  });
});
