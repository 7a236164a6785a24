// Proves the ReadIndex queue: requests keep their commit index and acks, and a confirmed request releases
// every older one with it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadOnly } from './read-only.js';

const context = (text: string) => new TextEncoder().encode(text);

describe('ReadOnly', () => {
  it('collects acks and releases requests in order', () => {
    const readOnly = new ReadOnly();
    readOnly.add(5, 'a', context('r1'), 'a');
    readOnly.add(6, 'b', context('r2'), 'a');
    readOnly.add(6, 'b', context('r2'), 'a'); // duplicate ignored
    assert.equal(readOnly.size, 2);
    assert.deepEqual(readOnly.lastContext(), context('r2'));
    assert.deepEqual([...(readOnly.recordAck('c', context('r2')) ?? [])].sort(), ['a', 'c']);
    assert.equal(readOnly.recordAck('c', context('nope')), null);
    const released = readOnly.advance(context('r2'));
    assert.deepEqual(
      released.map((request) => [request.index, request.from]),
      [
        [5, 'a'],
        [6, 'b'],
      ],
    );
    assert.equal(readOnly.size, 0);
    assert.equal(readOnly.lastContext(), null);
  });
});
