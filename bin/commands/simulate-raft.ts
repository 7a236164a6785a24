// `lattice simulate raft`: runs one deterministic Raft cluster simulation from a seed and prints what happened
// and the checkers' verdict. A failing test seed replays here exactly. Exit codes tell failure kinds apart:
// 0 all checks passed, 2 safety, 3 liveness, 4 linearizability, 5 an assertion inside the core.

import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ValidationError } from '../../lib/errors.js';
import { type SimFailureKind, type SimResult, simulateRaft } from '../../sim/raft/simulator.js';

export const simulateRaftExitCodes: Readonly<Record<SimFailureKind, number>> = Object.freeze({
  safety: 2,
  liveness: 3,
  linearizability: 4,
  crash: 5,
});

/** Runs past this many ticks show a progress bar (when stderr is a terminal): about a second of work. */
const progressBarTicksMin = 3_000;

interface SimulateRaftOptions {
  readonly seed: string;
  readonly nodes: string;
  readonly ticks: string;
  readonly format: string;
}

function parseInteger(name: string, text: string, minimum: number, maximum: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum)
    throw new ValidationError(`--${name} must be an integer in [${minimum}, ${maximum}], got ${text}`);
  return value;
}

export function formatSimulation(result: SimResult): string {
  const { stats, faults } = result;
  const lines = [
    `seed ${result.seed}: ${result.nodeCount} nodes, ${result.simulatedMs} ms simulated, ${stats.stepsRun} steps`,
    `elections: ${stats.elections} (max term ${stats.maxTerm}); stable leader ${stats.leaderAfterHealMs ?? 'never'} ms after the heal`,
    `leaders per term: ${
      Object.entries(stats.leadersPerTerm)
        .map(([term, id]) => `${term}:${id}`)
        .join(' ') || '(none)'
    }`,
    `commits: index ${stats.commitIndexMax}, ${stats.entriesApplied} entries applied across nodes`,
    `clients: ${stats.proposalsAccepted} puts accepted, ${stats.putsAcknowledged} acknowledged, ${stats.readsServed} ReadIndex reads, ${stats.historyOperations} operations in the history`,
    `snapshots: ${stats.snapshotsSaved} saved, ${stats.snapshotsInstalled} installed from a leader`,
    `membership: ${stats.membershipChangesAccepted} changes accepted, ${stats.membershipChangesRefused} refused; leadership transfers: ${stats.transfersRequested} requested, ${stats.leadershipTransfers} campaigns`,
    `faults: ${faults.crashes} crashes, ${faults.restarts} restarts, ${faults.partitions} partitions, ${faults.oneWayCuts} one-way cuts, ${faults.heals} heals, ${faults.unsyncedWritesLost} unsynced writes lost (${faults.leaderCrashesWhileWriting} leader crashes mid-write)`,
    `network: ${faults.messagesSent} sent, ${faults.messagesLost} lost, ${faults.messagesDuplicated} duplicated, ${faults.messagesBlocked} blocked by partitions (loss odds ${faults.network.lossOdds.toFixed(3)}, delay ${faults.network.delayMsMin}+${faults.network.delayMsSpread} ms)`,
    `clock rates: ${Object.entries(faults.clockRatePerNode)
      .map(([id, rate]) => `${id}=${rate}`)
      .join(' ')}`,
    `linearizability: ${result.linearizability.verdict} (${result.linearizability.partitions} keys, ${result.linearizability.searchSteps} search steps)`,
  ];
  if (result.failure === null) {
    lines.push('verdict: ok (election safety, log matching, leader completeness, state-machine safety, liveness)');
  } else {
    const failure = result.failure;
    lines.push(
      `verdict: ${failure.kind} failure (${failure.check}) at ${Math.round(failure.atMs)} ms: ${failure.message}`,
    );
    for (const line of result.linearizability.counterexample.slice(0, 40)) lines.push(`  ${line}`);
    lines.push(`replay: ${result.replay}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerSimulateRaft(simulate: Command): void {
  simulate
    .command('raft')
    .description('Simulates a Raft cluster under faults from a seed and checks safety, liveness and linearizability')
    .requiredOption('--seed <n>', 'the seed that decides every fault and client action')
    .option('--nodes <n>', 'cluster size', '5')
    .option('--ticks <n>', 'length of the fault phase in ticks (10 ms each)', '600')
    .option('--format <format>', 'output format: pretty or json', 'pretty')
    .action((options: SimulateRaftOptions) => {
      const seed = parseInteger('seed', options.seed, 0, Number.MAX_SAFE_INTEGER);
      const nodeCount = parseInteger('nodes', options.nodes, 1, 15);
      const ticksMax = parseInteger('ticks', options.ticks, 1, 10_000_000);
      if (options.format !== 'pretty' && options.format !== 'json')
        throw new ValidationError(`--format must be pretty or json, got ${options.format}`);
      const showBar = ticksMax >= progressBarTicksMin && process.stderr.isTTY;
      const bar = showBar
        ? new cliProgress.SingleBar(
            { stream: process.stderr, format: 'simulating [{bar}] {percentage}% | {value}/{total} ms' },
            cliProgress.Presets.shades_classic,
          )
        : null;
      let started = false;
      const result = simulateRaft({
        seed,
        nodeCount,
        ticksMax,
        onProgress: (doneMs, totalMs) => {
          if (!bar) return;
          if (!started) {
            bar.start(Math.round(totalMs), 0);
            started = true;
          }
          bar.update(Math.round(doneMs));
        },
      });
      bar?.stop();
      if (options.format === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(formatSimulation(result));
      if (result.failure !== null) process.exitCode = simulateRaftExitCodes[result.failure.kind];
    });
}
