// Proves the simulator's event queue pops in time order and, for equal times, in insertion order — the property
// that makes a simulation replay exactly from its seed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('pops by time, then by sequence, over random inserts', () => {
    const rand = new SeededRand(99);
    const queue = new EventQueue<{ atMs: number; sequence: number }>();
    for (let sequence = 0; sequence < 5_000; sequence++) queue.push({ atMs: rand.intBelow(100), sequence });
    let previous = { atMs: -1, sequence: -1 };
    let popped = 0;
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
      assert.ok(
        item.atMs > previous.atMs || (item.atMs === previous.atMs && item.sequence > previous.sequence),
        `out of order: ${JSON.stringify(previous)} then ${JSON.stringify(item)}`,
      );
      previous = item;
      popped++;
    }
    assert.equal(popped, 5_000);
    assert.equal(queue.peekTimeMs(), Number.POSITIVE_INFINITY);
  });
});
