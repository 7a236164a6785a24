// Proves the Raft core safe and live under faults: fixed seeds (5- and 3-node clusters) run the simulator with
// loss, duplication, reordering, partitions, crashes and clock drift, and every checker must pass. A failure
// names the command that replays it. Also proves a run is a pure function of its seed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SimOptions, simulateRaft } from './simulator.js';

function assertPasses(options: SimOptions): void {
  const result = simulateRaft(options);
  if (result.failure !== null) {
    const { kind, check, message } = result.failure;
    assert.fail(`${kind} failure (${check}): ${message}\nreplay: ${result.replay}`);
  }
}

describe('simulateRaft on fixed seeds', () => {
  for (let seed = 1; seed <= 120; seed++) {
    it(`5 nodes, seed ${seed}`, () => assertPasses({ seed }));
  }
  for (let seed = 1001; seed <= 1060; seed++) {
    it(`3 nodes, seed ${seed}`, () => assertPasses({ seed, nodeCount: 3 }));
  }
  it('1 node, seed 7 (a single voter commits alone)', () => assertPasses({ seed: 7, nodeCount: 1 }));
  // Seeds where a leader that counted its own entries before writing them (while already sending them) loses a
  // committed entry when it crashes mid-write: leader completeness fails on each if that rule is broken.
  for (const [seed, nodeCount] of [
    [116, 3],
    [334, 5],
    [1440, 3],
  ] as const) {
    it(`${nodeCount} nodes, seed ${seed} (a leader crashes while writing entries it sent)`, () =>
      assertPasses({ seed, nodeCount }));
  }
  it('a calm network still elects, commits and reads', () => {
    const result = simulateRaft({ seed: 5, faults: false, ticksMax: 200 });
    assert.equal(result.failure, null);
    assert.ok(result.stats.putsAcknowledged > 0);
    assert.ok(result.stats.readsServed > 0);
    assert.equal(result.faults.crashes, 0);
  });
});

describe('simulateRaft determinism', () => {
  it('gives the same result for the same seed', () => {
    const first = simulateRaft({ seed: 42, ticksMax: 300 });
    const second = simulateRaft({ seed: 42, ticksMax: 300 });
    assert.deepEqual(second, first);
  });

  it('exercises the faults it claims across seeds', () => {
    const totals = {
      crashes: 0,
      partitions: 0,
      oneWayCuts: 0,
      snapshotsInstalled: 0,
      lost: 0,
      duplicated: 0,
      leaderCrashesWhileWriting: 0,
    };
    for (let seed = 1; seed <= 40; seed++) {
      const result = simulateRaft({ seed });
      totals.crashes += result.faults.crashes;
      totals.partitions += result.faults.partitions;
      totals.oneWayCuts += result.faults.oneWayCuts;
      totals.snapshotsInstalled += result.stats.snapshotsInstalled;
      totals.lost += result.faults.messagesLost;
      totals.duplicated += result.faults.messagesDuplicated;
      totals.leaderCrashesWhileWriting += result.faults.leaderCrashesWhileWriting;
    }
    for (const [name, total] of Object.entries(totals)) assert.ok(total > 0, `${name} never happened`);
  });
});
