// How often a full anti-entropy sync runs (Consul agent/ae/ae.go): every interval (1 min) in clusters of up to
// 128 nodes, and in bigger ones `interval × (ceil(log2(n) − log2(128)) + 1)`, so the servers see a bounded rate of
// full syncs however large the cluster grows; plus a random stagger so agents do not sync in lockstep.

import type { Rand } from '../../lib/rand.js';

/** Consul's aeScaleThreshold: below it, every agent syncs once per interval. */
export const scaleThresholdNodes = 128;

export function syncScaleFactor(clusterSize: number): number {
  if (clusterSize <= scaleThresholdNodes) return 1;
  return Math.ceil(Math.log2(clusterSize) - Math.log2(scaleThresholdNodes)) + 1;
}

/** The wait before the next full sync: the interval, plus a stagger uniform in [0, factor × interval). */
export function nextFullSyncDelayMs(intervalMs: number, clusterSize: number, rand: Rand): number {
  return intervalMs + rand.float() * syncScaleFactor(clusterSize) * intervalMs;
}
