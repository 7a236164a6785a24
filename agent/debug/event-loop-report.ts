// What keeps the agent's one thread busy, the Node counterpart of the goroutine dump in Consul's debug bundle:
// the active handles and requests by kind (sockets, timers, file handles), the event loop's utilization and its
// delay histogram since the previous report. The histogram runs only while the debug endpoints are mounted.

import { type EventLoopUtilization, type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Twenty milliseconds is perf_hooks' suggested resolution; finer costs a timer wake-up per sample. */
const delayResolutionMs = 20;

export interface EventLoopReport {
  readonly collectedAt: string;
  readonly pid: number;
  readonly uptimeSeconds: number;
  /** `process.getActiveResourcesInfo()` counted by kind: what keeps the event loop alive. */
  readonly activeResources: Readonly<Record<string, number>>;
  readonly eventLoopUtilization: EventLoopUtilization;
  /** How late the loop ran its timers since the previous report (or the monitor's start); milliseconds. */
  readonly eventLoopDelayMs: {
    readonly min: number;
    readonly mean: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  };
}

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: delayResolutionMs });
  private utilizationBefore: EventLoopUtilization | undefined;

  start(): void {
    this.histogram.enable();
    this.utilizationBefore = performance.eventLoopUtilization();
  }

  stop(): void {
    this.histogram.disable();
  }

  /** A report since the previous one; resets the delay histogram. */
  report(now: Date): EventLoopReport {
    // The histogram records the time between its timer's runs, which includes the resolution itself: the delay is
    // what lies beyond it.
    const toMs = (nanos: number): number => Math.max(0, Math.round(nanos / 1000 - delayResolutionMs * 1000) / 1000);
    const utilizationNow = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(utilizationNow, this.utilizationBefore);
    this.utilizationBefore = utilizationNow;
    const empty = this.histogram.count === 0;
    const eventLoopDelayMs = {
      min: empty ? 0 : toMs(this.histogram.min),
      mean: empty ? 0 : toMs(this.histogram.mean),
      p50: empty ? 0 : toMs(this.histogram.percentile(50)),
      p99: empty ? 0 : toMs(this.histogram.percentile(99)),
      max: empty ? 0 : toMs(this.histogram.max),
    };
    this.histogram.reset();
    return {
      collectedAt: now.toISOString(),
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime()),
      activeResources: countByKind(process.getActiveResourcesInfo()),
      eventLoopUtilization: utilization,
      eventLoopDelayMs,
    };
  }
}

function countByKind(kinds: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
