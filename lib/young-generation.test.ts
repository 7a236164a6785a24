// Proves the young-generation controls: the busy-rate window counts scavenges correctly, holding keeps V8's new
// space at its size while many objects survive (the runtime flag takes effect), releasing lets it grow again, and
// the watcher releases once scavenges come at a busy rate. The heap checks run in this test file's own process.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import { waitForCondition } from './testing/wait.js';
import {
  holdYoungGeneration,
  releaseYoungGeneration,
  releaseYoungGenerationWhenBusy,
  ScavengeRate,
} from './young-generation.js';

const newSpaceBytes = (): number =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;

/** Allocates `megabytes` of small objects, keeping every one alive (all survive scavenges), in slices. */
async function allocateSurvivors(megabytes: number, kept: unknown[][]): Promise<void> {
  for (let slice = 0; slice < megabytes; slice++) {
    kept.push(Array.from({ length: 16_384 }, (_, index) => ({ index })));
    await pause(0);
  }
}

describe('ScavengeRate', () => {
  it('is busy once scavengesMax fall within one window, and forgets older ones', () => {
    const rate = new ScavengeRate({ scavengesMax: 3, windowMs: 1_000 });
    assert.equal(rate.record(0), false);
    assert.equal(rate.record(400), false);
    assert.equal(rate.record(1_000), false, 'the one at 0 is out of the window ending at 1000');
    assert.equal(rate.record(1_300), true);
  });

  it('stays quiet at an idle agent’s rate', () => {
    const rate = new ScavengeRate();
    for (let second = 0; second < 3_600; second += 30) assert.equal(rate.record(second * 1_000), false);
  });
});

describe('holding and releasing the young generation', () => {
  it('keeps new space at its size while held and lets it grow once released', async () => {
    const kept: unknown[][] = [];
    holdYoungGeneration();
    const before = newSpaceBytes();
    await allocateSurvivors(60, kept);
    assert.equal(newSpaceBytes(), before, 'new space did not grow while held');
    releaseYoungGeneration();
    await allocateSurvivors(120, kept);
    assert.ok(newSpaceBytes() > before, `new space grew after release (${before} -> ${newSpaceBytes()} bytes)`);
  });

  it('releases once scavenges come at the given rate', async () => {
    holdYoungGeneration();
    let released = false;
    // A low bar: new space may already be large in this process (the test above grew it), so scavenges are rarer
    // than in a held agent; the wiring is what is tested here, the busy threshold is tested above.
    const stop = releaseYoungGenerationWhenBusy(
      () => {
        released = true;
      },
      { scavengesMax: 3, windowMs: 5_000 },
    );
    try {
      await waitForCondition(
        async () => {
          // Short-lived garbage, as a busy HTTP API makes: many scavenges, few survivors.
          for (let round = 0; round < 50; round++) Array.from({ length: 50_000 }, (_, index) => ({ index }));
          await pause(0);
          return released;
        },
        'the watcher to release the young generation',
        { deadlineMs: 20_000 },
      );
    } finally {
      stop();
      releaseYoungGeneration();
    }
  });
});
