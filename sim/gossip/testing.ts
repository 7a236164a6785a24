// Helpers for gossip simulation tests: fixed seeds plus one fresh seed per run, and failures that name the seed
// and the command that replays the run.

import { randomSeed } from '../../lib/rand.js';
import type { SimulateGossipOptions } from './simulate.js';

/** `fixed` plus one seed drawn fresh for this run (named in the test title, so a failure can be replayed). */
export function seedsWithFresh(fixed: readonly number[]): number[] {
  const fromEnvironment = process.env['LATTICE_SIM_SEED'];
  const fresh = fromEnvironment === undefined ? randomSeed() : Number(fromEnvironment);
  return [...fixed, fresh];
}

export function replayCommand(options: SimulateGossipOptions): string {
  return (
    `lattice simulate gossip --seed ${options.seed} --nodes ${options.nodes} --loss ${options.lossRate ?? 0} ` +
    `--preset ${options.preset ?? 'lan'}${options.starveMs ? ` --starve-ms ${options.starveMs}` : ''}` +
    `${options.settleMs === undefined ? '' : ` --settle-ms ${options.settleMs}`}` +
    `${options.steadyMs === undefined ? '' : ` --steady-ms ${options.steadyMs}`}`
  );
}

/**
 * Short steady-state bandwidth windows: tests assert membership, not bandwidth, and a full push-pull interval
 * of quiet simulated time would double the 1,000-node run. The replay command carries them.
 */
export const quickBandwidth = Object.freeze({ settleMs: 2_000, steadyMs: 2_000 });

/** Runs `check`, and on failure rethrows with the seed and the replay command in front of the message. */
export function withReplay(options: SimulateGossipOptions, check: () => void): void {
  try {
    check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = new Error(`seed ${options.seed} failed; replay: ${replayCommand(options)}\n${message}`);
    wrapped.cause = error;
    throw wrapped;
  }
}
