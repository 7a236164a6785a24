// Proves the heap estimate `lattice simulate gossip` checks before a run: it grows with n² from a fixed base, fits
// a 1,000-node run in Node's default heap and tells a 5,000-node run to ask for more.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gossipSimulationHeapBytes } from './heap.js';

const gib = 2 ** 30;

describe('gossipSimulationHeapBytes', () => {
  it('grows with the square of the pool', () => {
    const base = gossipSimulationHeapBytes(0);
    assert.equal(gossipSimulationHeapBytes(2_000) - base, 4 * (gossipSimulationHeapBytes(1_000) - base));
  });

  it('fits 1,000 nodes in a default heap and needs more than 4 GiB for 5,000', () => {
    assert.ok(gossipSimulationHeapBytes(1_000) < 0.5 * gib);
    assert.ok(gossipSimulationHeapBytes(5_000) > 4 * gib);
    assert.ok(gossipSimulationHeapBytes(5_000) < 8 * gib);
  });
});
