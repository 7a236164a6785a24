// Proves the gossip pool's liveness and Lifeguard's accuracy in simulation (the 1,000-node run is in
// simulate-1000.test.ts): with 10% loss and one node starved of CPU for 10 s no healthy node is
// declared dead and the starved node ends up alive everywhere (while with Lifeguard and the stream fallback turned
// off the same runs do declare healthy nodes dead); and smaller pools do the same over many seeds.
// Each failure names its seed and the `lattice simulate gossip` command that replays it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAN } from '../../gossip/core/index.js';
import { GossipCluster } from './cluster.js';
import { defaultNetworkOptions } from './network.js';
import { type SimulateGossipOptions, type SimulateGossipResult, simulateGossip, spread } from './simulate.js';
import { quickBandwidth, seedsWithFresh, withReplay } from './testing.js';

function assertConvergedAndDetected(result: SimulateGossipResult): void {
  assert.notEqual(result.bootstrapConvergedMs, null, 'the bootstrap pool converged');
  assert.equal(result.join.reached, result.join.observers, 'every member saw the late join');
  assert.equal(result.failure.reached, result.failure.observers, 'every live member declared the crash failed');
  assert.equal(result.falsePositives, 0, 'no healthy node was declared failed');
  assert.equal(result.decodeFailures, 0);
}

describe('gossip simulation: Lifeguard under loss and a CPU-starved node', () => {
  for (const seed of seedsWithFresh([1, 2, 3, 4, 5, 6, 7, 8])) {
    const options: SimulateGossipOptions = { seed, nodes: 100, lossRate: 0.1, starveMs: 10_000, ...quickBandwidth };
    it(`declares no healthy node dead with 10% loss and a node starved for 10 s (seed ${seed})`, () => {
      const result = simulateGossip(options);
      withReplay(options, () => assertConvergedAndDetected(result));
    });
  }
});

describe('gossip simulation: the Lifeguard scenario is hard enough to matter', () => {
  it('without Lifeguard and the stream fallback ping, the same runs declare healthy nodes dead (seeds 1-4)', () => {
    let falsePositives = 0;
    for (const seed of [1, 2, 3, 4]) {
      const result = simulateGossip({
        seed,
        nodes: 100,
        lossRate: 0.1,
        starveMs: 10_000,
        ...quickBandwidth,
        configOverrides: { awarenessMultiplierMax: 1, suspicionMaxTimeoutMultiplier: 1, streamFallbackPing: false },
      });
      falsePositives += result.falsePositives;
    }
    assert.ok(falsePositives > 0, 'the scenario would catch a regression in the protections');
  });
});

describe('gossip simulation: small pools over many seeds', () => {
  for (const seed of seedsWithFresh([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])) {
    const options: SimulateGossipOptions = { seed, nodes: 50, lossRate: 0.05, ...quickBandwidth };
    it(`50 nodes with 5% loss converge and detect (seed ${seed})`, () => {
      const result = simulateGossip(options);
      withReplay(options, () => assertConvergedAndDetected(result));
    });
  }
  for (const preset of ['wan', 'local', 'dev'] as const) {
    const options: SimulateGossipOptions = { seed: 21, nodes: 30, lossRate: 0.02, preset, ...quickBandwidth };
    it(`30 nodes on the ${preset} preset converge and detect (seed 21)`, () => {
      const result = simulateGossip(options);
      withReplay(options, () => assertConvergedAndDetected(result));
    });
  }
});

describe('gossip simulation: the starved node recovers', () => {
  it('is alive at every member once it runs again (seed 3)', () => {
    const result = simulateGossip({ seed: 3, nodes: 60, lossRate: 0.1, starveMs: 10_000, ...quickBandwidth });
    assert.equal(result.falsePositives, 0);
    // simulateGossip checks the late join reached all 59 others, the starved node among them: it processed
    // packets again. That it is alive everywhere is checked directly on a cluster below.
    const cluster = new GossipCluster({
      seed: 3,
      nodeCount: 20,
      config: LAN,
      network: { ...defaultNetworkOptions, lossRate: 0.1 },
    });
    cluster.start(0, []);
    for (let index = 1; index < 20; index++) cluster.at(index * 50, () => cluster.start(index, [0]));
    cluster.runUntil(20_000);
    cluster.starve(5, 40_000); // 20 s without CPU: long enough to be declared dead
    cluster.runUntil(40_000);
    const deadAt = cluster.nodes.filter((node) => node.core!.memberState('n5') === 'dead').length;
    cluster.runUntil(60_000);
    const aliveAt = cluster.nodes.filter((node) => node.core!.memberState('n5') === 'alive').length;
    assert.ok(deadAt > 0, 'starved long enough, it was declared dead');
    assert.equal(aliveAt, 20, 'after it woke it refuted and is alive everywhere');
    assert.ok(cluster.core(5).incarnation > 0, 'it refuted with a higher incarnation');
  });
});

describe('gossip simulation: replay', () => {
  it('gives the same result for the same seed, and another for another seed', () => {
    const options: SimulateGossipOptions = { seed: 31, nodes: 40, lossRate: 0.1, starveMs: 3_000, ...quickBandwidth };
    const first = simulateGossip(options);
    assert.deepEqual(simulateGossip(options), first);
    assert.notDeepEqual(simulateGossip({ ...options, seed: 32 }), { ...first, seed: 32 });
  });
});

describe('spread', () => {
  it('picks the time by which ceil(p × observers) members saw the event', () => {
    assert.deepEqual(spread([10, 20, 30, 40], 4), { p50Ms: 20, p99Ms: 40, p9999Ms: 40, reached: 4, observers: 4 });
    assert.deepEqual(spread([10], 4), { p50Ms: null, p99Ms: null, p9999Ms: null, reached: 1, observers: 4 });
  });
});
