// Proves that SeededRand is reproducible from a seed, that different seeds diverge, and that draws are in range
// and roughly uniform (chi-square over 10 buckets with a generous bound, fixed seed so it cannot flake).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand, shuffleInPlace } from './rand.js';

describe('SeededRand', () => {
  it('gives the same sequence for the same seed', () => {
    const a = new SeededRand(42);
    const b = new SeededRand(42);
    for (let i = 0; i < 1000; i++) assert.equal(a.nextUint32(), b.nextUint32());
  });
  it('gives different sequences for neighbouring seeds', () => {
    const a = new SeededRand(1);
    const b = new SeededRand(2);
    const same = Array.from({ length: 100 }, () => a.nextUint32() === b.nextUint32()).filter(Boolean).length;
    assert.ok(same < 3, `${same} equal draws`);
  });
  it('distinguishes seeds above 2^32', () => {
    assert.notEqual(new SeededRand(2 ** 40).nextUint32(), new SeededRand(2 ** 40 + 2 ** 33).nextUint32());
  });
  it('keeps intBelow in range and roughly uniform', () => {
    const rand = new SeededRand(7);
    const buckets = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const value = rand.intBelow(10);
      assert.ok(value >= 0 && value < 10 && Number.isInteger(value));
      buckets[value]!++;
    }
    const expected = draws / 10;
    const chiSquare = buckets.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: p = 0.001 at 27.9.
    assert.ok(chiSquare < 27.9, `chi-square ${chiSquare}`);
  });
  it('keeps float in [0, 1)', () => {
    const rand = new SeededRand(9);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = rand.float();
      assert.ok(value >= 0 && value < 1);
      sum += value;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });
  it('forks reproducibly', () => {
    const a = new SeededRand(5).fork();
    const b = new SeededRand(5).fork();
    assert.equal(a.nextUint32(), b.nextUint32());
  });
  it('refuses a bad bound', () => {
    assert.throws(() => new SeededRand(1).intBelow(0));
  });
  it('shuffles to a permutation, reproducibly', () => {
    const first = shuffleInPlace([1, 2, 3, 4, 5, 6, 7, 8], new SeededRand(3));
    const again = shuffleInPlace([1, 2, 3, 4, 5, 6, 7, 8], new SeededRand(3));
    assert.deepEqual(first, again);
    assert.deepEqual([...first].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
