// Proves the Raft core safe and live on seeds no one has run before: a base seed (LATTICE_SIM_SEED, or a
// fresh random one) is printed in the test name, and 100 seeds derived from it run the full simulator.
// A failure names `lattice simulate raft --seed N` for the exact seed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomSeed } from '../../lib/rand.js';
import { simulateRaft } from './simulator.js';

const baseSeed = process.env['LATTICE_SIM_SEED']
  ? Number(process.env['LATTICE_SIM_SEED'])
  : randomSeed() % 1_000_000_000;

describe(`simulateRaft on fresh seeds from base seed ${baseSeed} (LATTICE_SIM_SEED=${baseSeed} repeats them)`, () => {
  for (let offset = 0; offset < 100; offset++) {
    const seed = baseSeed + offset;
    const nodeCount = offset % 4 === 0 ? 3 : 5;
    it(`seed ${seed}, ${nodeCount} nodes`, () => {
      const result = simulateRaft({ seed, nodeCount });
      if (result.failure !== null) {
        const { kind, check, message } = result.failure;
        assert.fail(`${kind} failure (${check}): ${message}\nreplay: ${result.replay}`);
      }
    });
  }
});
