// Proves the inflight window: it fills to its message or byte bound, frees everything acknowledged, and
// asserts that indexes only grow.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inflights } from './inflights.js';

describe('Inflights', () => {
  it('is full at the message bound and frees up to an index', () => {
    const inflights = new Inflights(3, 0);
    inflights.add(5, 10);
    inflights.add(7, 10);
    assert.equal(inflights.isFull(), false);
    inflights.add(9, 10);
    assert.equal(inflights.isFull(), true);
    inflights.freeLE(7);
    assert.equal(inflights.count, 1);
    assert.equal(inflights.sizeBytes, 10);
    inflights.freeLE(100);
    assert.equal(inflights.count, 0);
  });

  it('is full at the byte bound', () => {
    const inflights = new Inflights(100, 25);
    inflights.add(1, 20);
    assert.equal(inflights.isFull(), false);
    inflights.add(2, 10);
    assert.equal(inflights.isFull(), true);
  });

  it('asserts that indexes grow', () => {
    const inflights = new Inflights(3, 0);
    inflights.add(5, 1);
    assert.throws(() => inflights.add(5, 1), /does not grow/);
  });
});
