// Proves the BoundedQueue keeps FIFO order across wrap-around and refuses (and counts) offers when full.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedQueue } from './bounded-queue.js';

describe('BoundedQueue', () => {
  it('keeps FIFO order across wrap-around', () => {
    const queue = new BoundedQueue<number>(3);
    const out: number[] = [];
    for (let i = 0; i < 10; i++) {
      assert.equal(queue.offer(i), true);
      if (queue.size === 2) out.push(queue.poll()!);
    }
    out.push(...queue.drain());
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
  it('refuses and counts offers past capacity', () => {
    const queue = new BoundedQueue<string>(2);
    assert.equal(queue.offer('a'), true);
    assert.equal(queue.offer('b'), true);
    assert.equal(queue.offer('c'), false);
    assert.equal(queue.rejectedCount, 1);
    assert.equal(queue.size, 2);
    assert.equal(queue.peek(), 'a');
  });
});
