// Proves, in simulation over many seeds, that failure detection keeps memberlist's Lifeguard timing — the model the
// gossip bench compares against serf (issue 5): nobody declares a crashed node failed before the minimum suspicion
// timeout has run from the first suspicion (Lifeguard's lower bound, which protects healthy nodes), and every member
// declares it within a few probe intervals of that minimum. That upper bound holds only when what memberlist does
// is done here too: some member probes the victim within about one interval (round-robin over shuffled lists), the
// failed probe takes one interval, k = suspicionMultiplier − 2 independent confirmations from other probers spread
// by gossip and reach the accuser before the minimum runs out, and the dead message then spreads in well under a
// second. Without confirmations the accuser waits up to 6 × the minimum. Each failure names its seed and replay.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAN, suspicionTimeoutMsMin } from '../../gossip/core/index.js';
import { type SimulateGossipOptions, simulateGossip } from './simulate.js';
import { replayCommand, seedsWithFresh } from './testing.js';

const nodes = 50;
const minimumMs = suspicionTimeoutMsMin(LAN.suspicionMultiplier, nodes, LAN.probeIntervalMs);

interface Detection {
  readonly seed: number;
  readonly replay: string;
  /** Crash until every live member declared it failed. */
  readonly allMs: number | null;
  /** The first suspicion of the crashed node, and the first failed verdict about it, by anyone (simulated ms). */
  readonly firstSuspectAtMs: number;
  readonly firstFailedAtMs: number;
  readonly falsePositives: number;
}

function detect(seed: number): Detection {
  const options: SimulateGossipOptions = { seed, nodes, settleMs: 2_000, steadyMs: 2_000 };
  const seen: { observer: string; type: string; member: string; nowMs: number }[] = [];
  const result = simulateGossip({
    ...options,
    onMemberEvent: (observer, event, nowMs) => {
      if (event.type === 'suspect' || event.type === 'failed')
        seen.push({ observer, type: event.type, member: event.member.name, nowMs });
    },
  });
  const about = seen.filter((event) => event.member === result.crashedNode);
  const firstAt = (type: string) =>
    Math.min(...about.filter((event) => event.type === type).map((event) => event.nowMs));
  return {
    seed,
    replay: replayCommand(options),
    allMs: result.failure.reached === result.failure.observers ? result.failure.p9999Ms : null,
    firstSuspectAtMs: firstAt('suspect'),
    firstFailedAtMs: firstAt('failed'),
    falsePositives: result.falsePositives,
  };
}

describe(`gossip simulation: failure detection at ${nodes} nodes keeps Lifeguard's timing`, () => {
  const detections = seedsWithFresh(Array.from({ length: 20 }, (_, index) => 101 + index)).map(detect);

  for (const detection of detections) {
    it(`every member declares the crash, none before the minimum suspicion timeout (seed ${detection.seed})`, () => {
      const context = `seed ${detection.seed}; replay: ${detection.replay}`;
      assert.notEqual(detection.allMs, null, `${context}: every live member declared the crash failed`);
      assert.equal(detection.falsePositives, 0, `${context}: no healthy node was declared failed`);
      assert.ok(
        detection.firstFailedAtMs - detection.firstSuspectAtMs >= minimumMs,
        `${context}: first verdict ${detection.firstFailedAtMs - detection.firstSuspectAtMs} ms after the first ` +
          `suspicion, below the ${minimumMs} ms minimum`,
      );
    });
  }

  it(`over the seeds, the median crash-to-all time is within 3 probe intervals of the ${minimumMs} ms minimum`, () => {
    const times = detections.map((detection) => detection.allMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    const bound = minimumMs + 3 * LAN.probeIntervalMs;
    assert.ok(
      median <= bound,
      `median ${median} ms > ${bound} ms; per seed: ` +
        detections.map((detection) => `seed ${detection.seed} ${detection.allMs} ms`).join(', '),
    );
  });
});
