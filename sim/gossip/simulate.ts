// simulateGossip: one scripted run of a gossip pool in simulated time — bootstrap by joins, an optional node
// starved of CPU, one more join, one crash — measuring how fast the join and the failure reach the pool, false
// failure verdicts, and bandwidth. The engine behind `lattice simulate gossip` and the simulation tests.

import {
  type GossipConfig,
  type MemberEvent,
  type PresetName,
  presets,
  pushPullIntervalMs,
  validateGossipConfig,
} from '../../gossip/core/index.js';
import { SeededRand, shuffleInPlace } from '../../lib/rand.js';
import { GossipCluster } from './cluster.js';
import { defaultNetworkOptions, type NetworkOptions } from './network.js';

export interface SimulateGossipOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly lossRate?: number;
  readonly preset?: PresetName;
  /** Field overrides on top of the preset (what a user tuning gossip would change). */
  readonly configOverrides?: Partial<GossipConfig>;
  readonly network?: Partial<Omit<NetworkOptions, 'lossRate'>>;
  /** Joins of the initial pool are spread over this window. */
  readonly joinSpreadMs?: number;
  /** Give up on bootstrap convergence after this long. */
  readonly convergeMsMax?: number;
  /** After bootstrap, wait this long for its broadcasts to drain (default 30 s), then measure steady-state */
  readonly settleMs?: number;
  /**
   * bandwidth over this window: by default one push-pull interval at this pool size (180 s on LAN at 1,000
   * nodes), so each node's full-state sync is counted once, as it is over any long stretch.
   */
  readonly steadyMs?: number;
  /** Starve one random healthy node of CPU for this long after bootstrap (0: none). */
  readonly starveMs?: number;
  /** How long to follow the late join and the crash before giving up on full coverage. */
  readonly observeMsMax?: number;
  /** Sees every member event at every node (for tracing a run). */
  readonly onMemberEvent?: (observer: string, event: MemberEvent, nowMs: number) => void;
  /** Called now and then with the fraction of the run done, for a progress bar. */
  readonly onProgress?: (fraction: number, phase: string) => void;
}

export interface Spread {
  /** Milliseconds from the event until 50 / 99 / 99.99 % of the members that should see it did; null: never. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p9999Ms: number | null;
  /** Members that saw it, and members that should have. */
  readonly reached: number;
  readonly observers: number;
}

export interface SimulateGossipResult {
  readonly seed: number;
  readonly nodes: number;
  readonly lossRate: number;
  readonly preset: PresetName;
  /** The node crashed to measure detection, and the one starved of CPU (null without --starve-ms). */
  readonly crashedNode: string;
  readonly starvedNode: string | null;
  /** Simulated time until every started node saw every other alive, or null if it never did. */
  readonly bootstrapConvergedMs: number | null;
  readonly join: Spread;
  readonly failure: Spread;
  /** `failed` verdicts about healthy nodes (neither crashed nor starved), by any member. */
  readonly falsePositives: number;
  /** `failed` verdicts about the node starved of CPU (it was unresponsive, so these are not false). */
  readonly starvedNodeFailedVerdicts: number;
  /**
   * UDP and stream payload bytes sent per node per simulated second in steady state: a window of `steadyMs` that
   * starts `settleMs` after bootstrap convergence, before any fault, join or crash. Push-pull syncs are counted
   * fairly only when the window spans a push-pull interval (the default).
   */
  readonly bytesPerNodePerSecond: number;
  /** The same over everything after bootstrap convergence (stall, join and crash included). */
  readonly bytesPerNodePerSecondAfterBootstrap: number;
  readonly packetsSent: number;
  readonly packetsLost: number;
  readonly decodeFailures: number;
  readonly simulatedMs: number;
  readonly eventsProcessed: number;
}

const CHECK_INTERVAL_MS = 500;

export function simulateGossip(options: SimulateGossipOptions): SimulateGossipResult {
  const preset = options.preset ?? 'lan';
  const nodeCount = options.nodes;
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 3) throw new RangeError('nodes must be an integer of at least 3');
  const lossRate = options.lossRate ?? 0;
  if (!(lossRate >= 0 && lossRate < 1)) throw new RangeError('lossRate must be within [0, 1)');
  const config = validateGossipConfig(options.configOverrides ?? {}, presets[preset]);
  const joinSpreadMs = options.joinSpreadMs ?? Math.min(20_000, 10 * nodeCount);
  const convergeMsMax = options.convergeMsMax ?? 180_000;
  const observeMsMax = options.observeMsMax ?? 180_000;
  const starveMs = options.starveMs ?? 0;
  const settleMs = options.settleMs ?? 30_000;
  const steadyMs =
    options.steadyMs ??
    (config.pushPullIntervalMs > 0 ? pushPullIntervalMs(config.pushPullIntervalMs, nodeCount) : 20_000);
  const progress = options.onProgress ?? (() => undefined);
  const cluster = new GossipCluster({
    seed: options.seed,
    nodeCount,
    config,
    network: { ...defaultNetworkOptions, ...options.network, lossRate },
  });
  const scenarioRand = new SeededRand(options.seed ^ 0x5eed);
  // Roles: node 0 is the seed; the last node joins late; one random other crashes; another may be starved.
  const joiner = nodeCount - 1;
  const others = shuffleInPlace(
    Array.from({ length: nodeCount - 2 }, (_, position) => position + 1),
    scenarioRand,
  );
  const victim = others[0]!;
  const starved = starveMs > 0 ? others[1]! : -1;

  let phase: 'bootstrap' | 'join' | 'failure' = 'bootstrap';
  let joinStartMs = 0;
  let failStartMs = 0;
  const joinTimes: number[] = [];
  const failTimes: number[] = [];
  const joinSeen = new Uint8Array(nodeCount);
  const failSeen = new Uint8Array(nodeCount);
  let falsePositives = 0;
  let starvedNodeFailedVerdicts = 0;
  const joinerName = cluster.node(joiner).name;
  const victimName = cluster.node(victim).name;
  const starvedName = starved >= 0 ? cluster.node(starved).name : '';

  const trace = options.onMemberEvent;
  cluster.observer = (observer, event, nowMs) => {
    trace?.(observer.name, event, nowMs);
    const subject = event.member.name;
    if (event.type === 'failed') {
      if (subject === victimName && phase === 'failure') {
        if (!failSeen[observer.index]) {
          failSeen[observer.index] = 1;
          failTimes.push(nowMs - failStartMs);
        }
      } else if (subject === starvedName) starvedNodeFailedVerdicts++;
      else if (subject !== victimName) falsePositives++;
      return;
    }
    if (event.type === 'join' && subject === joinerName && phase !== 'bootstrap' && observer.index !== joiner) {
      if (!joinSeen[observer.index]) {
        joinSeen[observer.index] = 1;
        joinTimes.push(nowMs - joinStartMs);
      }
    }
  };

  // Bootstrap: node 0 first, the rest join through it at random moments within the spread.
  cluster.start(0, []);
  for (let index = 1; index < nodeCount - 1; index++) {
    const startMs = scenarioRand.intBelow(joinSpreadMs);
    cluster.at(startMs, () => cluster.start(index, [0]));
  }
  const bootstrapCount = nodeCount - 1;
  const bootstrapConverged = (): boolean => {
    for (let index = 0; index < bootstrapCount; index++) {
      const core = cluster.nodes[index]!.core;
      if (core === null || core.liveCount !== bootstrapCount) return false;
    }
    return true;
  };
  let bootstrapConvergedMs: number | null = null;
  for (let checkMs = joinSpreadMs; checkMs <= joinSpreadMs + convergeMsMax; checkMs += CHECK_INTERVAL_MS) {
    cluster.runUntil(checkMs);
    progress(Math.min(0.3, (0.3 * checkMs) / (joinSpreadMs + convergeMsMax)), 'bootstrap');
    if (bootstrapConverged()) {
      bootstrapConvergedMs = checkMs;
      break;
    }
  }
  const measureStartMs = cluster.nowMs;
  const bytesAtStart = totalBytes(cluster);
  // Steady state: let the bootstrap's broadcasts drain, then count a quiet window.
  cluster.runUntil(cluster.nowMs + settleMs);
  const steadyStartBytes = totalBytes(cluster);
  const steadyStartMs = cluster.nowMs;
  for (let checkMs = steadyStartMs + 5_000; checkMs < steadyStartMs + steadyMs; checkMs += 5_000) {
    cluster.runUntil(checkMs);
    progress(0.3 + (0.2 * (checkMs - steadyStartMs)) / steadyMs, 'steady state');
  }
  cluster.runUntil(steadyStartMs + steadyMs);
  const steadyBytes = totalBytes(cluster) - steadyStartBytes;

  if (starved >= 0) {
    cluster.starve(starved, cluster.nowMs + starveMs);
    // Let the starved node wake, work through its backlog and settle before measuring anything else.
    cluster.runUntil(cluster.nowMs + starveMs + 30_000);
  }
  progress(0.5, 'join');

  // A late join through the seed, followed until every member saw it.
  phase = 'join';
  joinStartMs = cluster.nowMs;
  cluster.start(joiner, [0]);
  const observers = nodeCount - 1;
  followUntil(
    cluster,
    joinStartMs,
    observeMsMax,
    () => joinTimes.length >= observers,
    (fraction) => progress(0.5 + 0.2 * fraction, 'join'),
  );

  // A crash, followed until every live member declared it failed.
  phase = 'failure';
  failStartMs = cluster.nowMs;
  cluster.crash(victim);
  const failObservers = nodeCount - 1;
  followUntil(
    cluster,
    failStartMs,
    observeMsMax,
    () => failTimes.length >= failObservers,
    (fraction) => progress(0.7 + 0.3 * fraction, 'failure'),
  );
  progress(1, 'done');

  const measuredMs = Math.max(1, cluster.nowMs - measureStartMs);
  const bytesAfterBootstrap = ((totalBytes(cluster) - bytesAtStart) / nodeCount / measuredMs) * 1000;
  const bytesPerNodePerSecond = (steadyBytes / nodeCount / Math.max(1, steadyMs)) * 1000;
  let decodeFailures = 0;
  for (const node of cluster.nodes) decodeFailures += node.core?.stats.decodeFailures ?? 0;
  return {
    seed: options.seed,
    nodes: nodeCount,
    lossRate,
    preset,
    crashedNode: victimName,
    starvedNode: starved >= 0 ? starvedName : null,
    bootstrapConvergedMs,
    join: spread(joinTimes, observers),
    failure: spread(failTimes, failObservers),
    falsePositives,
    starvedNodeFailedVerdicts,
    bytesPerNodePerSecond: Math.round(bytesPerNodePerSecond),
    bytesPerNodePerSecondAfterBootstrap: Math.round(bytesAfterBootstrap),
    packetsSent: cluster.packetsSent,
    packetsLost: cluster.packetsLost,
    decodeFailures,
    simulatedMs: cluster.nowMs,
    eventsProcessed: cluster.eventsProcessed,
  };
}

function followUntil(
  cluster: GossipCluster,
  startMs: number,
  observeMsMax: number,
  done: () => boolean,
  progress: (fraction: number) => void,
): void {
  for (let checkMs = startMs + CHECK_INTERVAL_MS; checkMs <= startMs + observeMsMax; checkMs += CHECK_INTERVAL_MS) {
    cluster.runUntil(checkMs);
    progress((checkMs - startMs) / observeMsMax);
    if (done()) return;
  }
}

function totalBytes(cluster: GossipCluster): number {
  let bytes = 0;
  for (const node of cluster.nodes) bytes += node.bytesSent;
  return bytes;
}

/** The time by which ceil(p × observers) members saw the event (times are already in arrival order). */
export function spread(times: readonly number[], observers: number): Spread {
  const at = (fraction: number): number | null => {
    const needed = Math.max(1, Math.ceil(fraction * observers - 1e-9));
    return needed <= times.length ? Math.round(times[needed - 1]! * 10) / 10 : null;
  };
  return {
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    p9999Ms: at(0.9999),
    reached: times.length,
    observers,
  };
}
