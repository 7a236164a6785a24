// Proves membership behaviour of whole pools in simulation, each run named by its seed: a node suspected while
// briefly unresponsive refutes with a higher incarnation and is never declared dead; a graceful leave is seen as
// `leave` by every member and never as `failed`; a partition shorter than the gossip-to-the-dead window heals and
// the pool merges back to all-alive.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAN, type MemberEvent } from '../../gossip/core/index.js';
import { GossipCluster, nodeName } from './cluster.js';
import { defaultNetworkOptions } from './network.js';

function bootstrap(seed: number, nodeCount: number, lossRate = 0): GossipCluster {
  const cluster = new GossipCluster({
    seed,
    nodeCount,
    config: LAN,
    network: { ...defaultNetworkOptions, lossRate },
  });
  cluster.start(0, []);
  for (let index = 1; index < nodeCount; index++) cluster.at(index * 20, () => cluster.start(index, [0]));
  cluster.runUntil(15_000);
  for (const node of cluster.nodes)
    assert.equal(node.core!.liveCount, nodeCount, `seed ${seed}: ${node.name} sees the whole pool after bootstrap`);
  return cluster;
}

function recordEvents(cluster: GossipCluster): { observer: string; event: MemberEvent }[] {
  const seen: { observer: string; event: MemberEvent }[] = [];
  cluster.observer = (observer, event) => seen.push({ observer: observer.name, event });
  return seen;
}

/** Names the seed and how to replay it: these scripted scenarios are not runs of `lattice simulate gossip`. */
function context(seed: number): string {
  return `seed ${seed}; replay: node --test --test-name-pattern="seed ${seed}\\)" dist/sim/gossip/scenarios.test.js`;
}

describe('refutation in a pool', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`a node unresponsive for 3 s is suspected, refutes and is never declared dead (seed ${seed})`, () => {
      const cluster = bootstrap(seed, 30);
      const seen = recordEvents(cluster);
      cluster.starve(7, cluster.nowMs + 3_000);
      cluster.runUntil(cluster.nowMs + 30_000);
      const about7 = seen.filter(({ event }) => event.member.name === 'n7').map(({ event }) => event.type);
      assert.ok(about7.includes('suspect'), `${context(seed)}: n7 was suspected`);
      assert.ok(about7.includes('alive'), `${context(seed)}: n7 was seen refuting`);
      assert.ok(!about7.includes('failed'), `${context(seed)}: n7 was never declared failed`);
      assert.ok(cluster.core(7).incarnation > 0, `${context(seed)}: n7 refuted with a higher incarnation`);
      for (const node of cluster.nodes) assert.equal(node.core!.memberState('n7'), 'alive', context(seed));
    });
  }
});

describe('graceful leave in a pool', () => {
  for (const seed of [5, 6, 7]) {
    it(`every member sees left, none sees failed (seed ${seed})`, () => {
      const cluster = bootstrap(seed, 40, 0.05);
      const seen = recordEvents(cluster);
      cluster.withCore(9, (core, nowMs) => core.leave(nowMs));
      const leftAtMs = cluster.nowMs;
      cluster.runUntil(leftAtMs + 5_000);
      assert.ok(cluster.core(9).leaveBroadcastDone(), `${context(seed)}: the leave broadcast went out`);
      cluster.crash(9); // the driver shuts down after the broadcast, as an agent does
      cluster.runUntil(leftAtMs + 60_000);
      const about9 = seen.filter(({ event }) => event.member.name === 'n9');
      assert.equal(about9.filter(({ event }) => event.type === 'failed').length, 0, context(seed));
      const leaveObservers = new Set(
        about9.filter(({ event }) => event.type === 'leave').map(({ observer }) => observer),
      );
      assert.equal(leaveObservers.size, 40, `${context(seed)}: all 39 others and n9 itself saw the leave`);
      for (const node of cluster.nodes) assert.equal(node.core!.memberState('n9'), 'left', context(seed));
    });
  }
});

describe('partition and heal', () => {
  for (const seed of [8, 9, 10]) {
    it(`a 15 s partition heals and the pool merges back to all-alive (seed ${seed})`, () => {
      const nodeCount = 40;
      const cluster = bootstrap(seed, nodeCount);
      const seen = recordEvents(cluster);
      cluster.network.partition((node) => (node < nodeCount / 2 ? 0 : 1));
      cluster.runUntil(cluster.nowMs + 15_000);
      const failedDuring = seen.filter(({ event }) => event.type === 'failed').length;
      assert.ok(failedDuring > 0, `${context(seed)}: each side declared the other failed`);
      cluster.network.heal();
      cluster.runUntil(cluster.nowMs + 60_000);
      for (const node of cluster.nodes) {
        assert.equal(node.core!.liveCount, nodeCount, `${context(seed)}: ${node.name} sees all ${nodeCount} alive`);
        for (let index = 0; index < nodeCount; index++)
          assert.equal(node.core!.memberState(nodeName(index)), 'alive', context(seed));
      }
    });
  }
});
