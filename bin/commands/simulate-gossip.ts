// `lattice simulate gossip`: runs the deterministic gossip simulator (sim/gossip) for a pool size, loss rate and
// timing preset, and prints how fast a join and a failure spread, false failure verdicts and bandwidth — so a
// failing test seed can be replayed and an operator can try gossip tuning before deploying it.

import { getHeapStatistics } from 'node:v8';
import type { Command } from 'commander';
import { type GossipConfig, type PresetName, presets, validateGossipConfig } from '../../gossip/core/index.js';
import { randomSeed } from '../../lib/rand.js';
import type { SimulateGossipResult, Spread } from '../../sim/gossip/index.js';

interface SimulateGossipCliOptions {
  nodes: string;
  loss: string;
  preset: string;
  seed?: string;
  format: string;
  starveMs: string;
  settleMs?: string;
  steadyMs?: string;
  joinSpreadMs?: string;
  latencyMs?: string;
  progress: boolean;
  probeIntervalMs?: string;
  probeTimeoutMs?: string;
  indirectChecks?: string;
  suspicionMult?: string;
  retransmitMult?: string;
  gossipIntervalMs?: string;
  gossipNodes?: string;
  pushPullIntervalMs?: string;
}

function integer(text: string, what: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) throw new Error(`${what} must be an integer ≥ ${minimum}`);
  return value;
}

function overrides(options: SimulateGossipCliOptions): Partial<GossipConfig> {
  const result: Record<string, number> = {};
  const fields: [keyof SimulateGossipCliOptions, keyof GossipConfig, number][] = [
    ['probeIntervalMs', 'probeIntervalMs', 1],
    ['probeTimeoutMs', 'probeTimeoutMs', 1],
    ['indirectChecks', 'indirectChecks', 0],
    ['suspicionMult', 'suspicionMultiplier', 1],
    ['retransmitMult', 'retransmitMultiplier', 1],
    ['gossipIntervalMs', 'gossipIntervalMs', 1],
    ['gossipNodes', 'gossipNodes', 1],
    ['pushPullIntervalMs', 'pushPullIntervalMs', 0],
  ];
  for (const [flag, field, minimum] of fields) {
    const text = options[flag];
    if (typeof text === 'string') result[field] = integer(text, `--${flag}`, minimum);
  }
  return result as Partial<GossipConfig>;
}

export function registerSimulateGossip(simulate: Command): void {
  simulate
    .command('gossip')
    .description('Simulates a gossip pool in simulated time: join and failure spread, false positives, bandwidth')
    .option('--nodes <count>', 'pool size', '1000')
    .option('--loss <rate>', 'fraction of UDP packets lost, 0..1', '0')
    .option('--preset <name>', 'timing preset: lan, wan, local or dev', 'lan')
    .option('--seed <n>', 'random seed (printed, so a run can be replayed); random when omitted')
    .option('--format <format>', 'output format: pretty or json', 'pretty')
    .option('--starve-ms <ms>', 'starve one node of CPU this long after bootstrap (Lifeguard check)', '0')
    .option('--settle-ms <ms>', 'after bootstrap, wait this long before measuring steady-state bandwidth', undefined)
    .option('--steady-ms <ms>', 'steady-state bandwidth window (default: one push-pull interval)', undefined)
    .option('--join-spread-ms <ms>', 'spread the initial joins over this window (default 10 ms per node, ≤ 20 s)')
    .option('--latency-ms <ms>', 'mean one-way network jitter on top of 0.5 ms', undefined)
    .option('--no-progress', 'no progress bar on stderr')
    .option('--probe-interval-ms <ms>', 'override probe_interval')
    .option('--probe-timeout-ms <ms>', 'override probe_timeout')
    .option('--indirect-checks <n>', 'override indirect checks')
    .option('--suspicion-mult <n>', 'override suspicion_mult')
    .option('--retransmit-mult <n>', 'override retransmit_mult')
    .option('--gossip-interval-ms <ms>', 'override gossip_interval')
    .option('--gossip-nodes <n>', 'override gossip_nodes')
    .option('--push-pull-interval-ms <ms>', 'override the push-pull interval (0: off)')
    .action(async (options: SimulateGossipCliOptions) => {
      // Loaded here, not at the top: every `lattice` process (an agent too) registers this command.
      const { gossipSimulationHeapBytes, simulateGossip } = await import('../../sim/gossip/index.js');
      const { default: cliProgress } = await import('cli-progress');
      const nodes = integer(options.nodes, '--nodes', 3);
      const lossRate = Number(options.loss);
      if (!(lossRate >= 0 && lossRate < 1)) throw new Error('--loss must be within [0, 1)');
      if (!(options.preset in presets)) throw new Error(`--preset must be one of ${Object.keys(presets).join(', ')}`);
      const preset = options.preset as PresetName;
      if (options.format !== 'pretty' && options.format !== 'json') throw new Error('--format must be pretty or json');
      const seed = options.seed === undefined ? randomSeed() : integer(options.seed, '--seed', 0);
      const configOverrides = overrides(options);
      validateGossipConfig(configOverrides, presets[preset]); // report bad tuning before drawing a progress bar
      checkHeap(nodes, gossipSimulationHeapBytes(nodes));
      const bar = options.progress
        ? new cliProgress.SingleBar(
            { format: 'simulating [{bar}] {percentage}% | {phase}', stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(100, 0, { phase: 'bootstrap' });
      const result = simulateGossip({
        seed,
        nodes,
        lossRate,
        preset,
        configOverrides,
        starveMs: integer(options.starveMs, '--starve-ms', 0),
        ...(options.settleMs === undefined ? {} : { settleMs: integer(options.settleMs, '--settle-ms', 0) }),
        ...(options.steadyMs === undefined ? {} : { steadyMs: integer(options.steadyMs, '--steady-ms', 1) }),
        ...(options.joinSpreadMs === undefined
          ? {}
          : { joinSpreadMs: integer(options.joinSpreadMs, '--join-spread-ms', 0) }),
        ...(options.latencyMs === undefined ? {} : { network: { latencyMsJitterMean: Number(options.latencyMs) } }),
        onProgress: (fraction, phase) => bar?.update(Math.round(fraction * 100), { phase }),
      });
      bar?.stop();
      process.stdout.write(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : pretty(result));
    });
}

/** Refuses at once a run that would exhaust the heap minutes later, and says which flag gives it enough. */
function checkHeap(nodes: number, neededBytes: number): void {
  const limitBytes = getHeapStatistics().heap_size_limit;
  if (neededBytes <= limitBytes) return;
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
  const suggestedMb = Math.ceil((1.25 * neededBytes) / 2 ** 30) * 1024;
  throw new Error(
    `a ${nodes}-node simulation needs about ${gib(neededBytes)} GiB of heap (every node holds the whole member ` +
      `table) and this process may use ${gib(limitBytes)} GiB: run it with ` +
      `NODE_OPTIONS=--max-old-space-size=${suggestedMb}`,
  );
}

function seconds(value: number | null): string {
  return value === null ? 'never' : `${(value / 1000).toFixed(2)} s`;
}

function spreadLine(what: string, spread: Spread): string {
  return (
    `${what.padEnd(9)} 50%: ${seconds(spread.p50Ms).padStart(9)}   99%: ${seconds(spread.p99Ms).padStart(9)}   ` +
    `99.99%: ${seconds(spread.p9999Ms).padStart(9)}   (${spread.reached}/${spread.observers} members)\n`
  );
}

function pretty(result: SimulateGossipResult): string {
  return (
    `gossip simulation: ${result.nodes} nodes, preset ${result.preset}, loss ${result.lossRate}, seed ${result.seed}\n` +
    `bootstrap converged after ${seconds(result.bootstrapConvergedMs)} of simulated time\n` +
    spreadLine('join', result.join) +
    spreadLine('failure', result.failure) +
    `false positives (healthy nodes declared failed): ${result.falsePositives}\n` +
    (result.starvedNodeFailedVerdicts > 0
      ? `failed verdicts about the CPU-starved node: ${result.starvedNodeFailedVerdicts}\n`
      : '') +
    `bandwidth: ${result.bytesPerNodePerSecond} bytes per node per second in steady state, ` +
    `${result.bytesPerNodePerSecondAfterBootstrap} over the whole run after bootstrap\n` +
    `packets: ${result.packetsSent} sent, ${result.packetsLost} lost; ${(result.simulatedMs / 1000).toFixed(1)} s ` +
    `simulated\nreplay: lattice simulate gossip --seed ${result.seed} --nodes ${result.nodes} --loss ${result.lossRate} ` +
    `--preset ${result.preset}\n`
  );
}
