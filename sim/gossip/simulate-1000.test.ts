// Proves that 1,000 gossip nodes converge after joining through a seed with 5% packet loss, that a late join
// reaches every member, and that every member detects a crashed node, with no healthy node declared failed.
// A failure names its seed and the `lattice simulate gossip` command that replays it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SimulateGossipOptions, simulateGossip } from './simulate.js';
import { quickBandwidth, withReplay } from './testing.js';

describe('gossip simulation at 1,000 nodes', () => {
  const options: SimulateGossipOptions = { seed: 1, nodes: 1_000, lossRate: 0.05, preset: 'lan', ...quickBandwidth };
  it(`converges after joins and detects a crash at every member (seed ${options.seed}, 5% loss)`, () => {
    const result = simulateGossip(options);
    withReplay(options, () => {
      assert.notEqual(result.bootstrapConvergedMs, null, 'the bootstrap pool converged');
      assert.equal(result.join.reached, result.join.observers, 'every member saw the late join');
      assert.equal(result.failure.reached, result.failure.observers, 'every live member declared the crash failed');
      assert.equal(result.falsePositives, 0, 'no healthy node was declared failed');
      assert.ok(result.failure.p9999Ms! < 60_000, `detection took ${result.failure.p9999Ms} ms`);
    });
  });
});
