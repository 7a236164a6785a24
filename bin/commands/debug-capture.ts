// The capture itself, in consul debug's order (command/debug/debug.go): static captures once (host, agent,
// members), then for the whole duration the per-interval captures (metrics snapshot; heap and handles when
// profiling) beside the long-running ones (the agent's log stream; one CPU profile covering the duration), then the
// Raft peer table. A failed capture is reported and the others go on, so an interrupted or partly failing run
// still yields a bundle. `signal` (Ctrl-C) ends the timed captures early.

import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { cpuProfileSecondsMax } from '../../agent/debug/cpu-profiler.js';
import { formatDuration } from '../../lib/duration.js';
import { bundleFiles, type DebugBundle, goIndentedJson, goUtcTimeString } from './debug-bundle.js';
import { captures } from './debug-flags.js';
import type { DebugSource } from './debug-source.js';
import { formatPeers } from './operator.js';

/** consul debug's cli.PrefixedUi: output and errors get "==> ", info four spaces, warnings nothing. */
export interface DebugUi {
  output(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export interface DebugRun {
  readonly targets: readonly string[];
  readonly intervalMs: number;
  /** -duration plus the grace period. */
  readonly durationMs: number;
}

export interface CaptureComponents {
  readonly source: DebugSource;
  readonly bundle: DebugBundle;
  readonly ui: DebugUi;
  readonly now: () => Date;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** host.json, agent.json, members.json; returns the failures (Consul: "Static capture failed: ..."). */
export async function captureStatic(components: CaptureComponents, targets: readonly string[]): Promise<string[]> {
  const { source, bundle } = components;
  const statics = [
    ['host', bundleFiles.host, () => source.host()],
    ['agent', bundleFiles.agent, () => source.self()],
    ['members', bundleFiles.members, () => source.members()],
  ] as const;
  const failures: string[] = [];
  for (const [target, file, read] of statics) {
    if (!captures(targets, target)) continue;
    try {
      await bundle.writeJson(file, await read());
    } catch (error) {
      failures.push(message(error));
    }
  }
  return failures;
}

/** One interval: a folder named by its time holding the metrics snapshot and, when profiling, heap and handles. */
async function captureInterval(components: CaptureComponents, targets: readonly string[]): Promise<void> {
  const { source, bundle, now } = components;
  if (!captures(targets, 'metrics') && !captures(targets, 'pprof')) return;
  const folder = await bundle.intervalFolder(now());
  const writes: Promise<void>[] = [];
  if (captures(targets, 'metrics')) {
    writes.push(
      source.metrics().then(async (metrics) => {
        await bundle.writeJson(`${folder}/${bundleFiles.metrics}`, metrics);
        // The root metrics.json holds every snapshot in turn, as Consul's streamed metrics.json does.
        await bundle.appendText(bundleFiles.metrics, `${goIndentedJson(metrics)}\n`);
      }),
    );
  }
  if (captures(targets, 'pprof')) {
    writes.push(source.heap().then((heap) => bundle.writeJson(`${folder}/${bundleFiles.heap}`, heap)));
    writes.push(source.handles().then((handles) => bundle.writeJson(`${folder}/${bundleFiles.handles}`, handles)));
  }
  const results = await Promise.allSettled(writes);
  const failures = results.filter((result) => result.status === 'rejected').map((result) => message(result.reason));
  if (failures.length > 0) throw new Error(failures.join('; '));
}

async function captureIntervals(
  components: CaptureComponents,
  run: DebugRun,
  endsAtMs: number,
  signal: AbortSignal,
): Promise<string[]> {
  const { ui, now } = components;
  const failures: string[] = [];
  const startedAtMs = now().getTime();
  ui.output(`Beginning capture interval ${goUtcTimeString(now())} (0)`);
  for (let count = 0; ; count++) {
    const capturedAt = now();
    try {
      await captureInterval(components, run.targets);
      ui.output(`Capture successful ${goUtcTimeString(capturedAt)} (${count})`);
    } catch (error) {
      failures.push(`interval ${count}: ${message(error)}`);
      ui.warn(`Capture failed ${goUtcTimeString(capturedAt)} (${count}): ${message(error)}`);
    }
    const nextAtMs = startedAtMs + (count + 1) * run.intervalMs;
    // Go's ticker stops at the deadline: the last interval is the last tick before it.
    if (nextAtMs >= endsAtMs) return failures;
    const remainingMs = Math.max(0, endsAtMs - now().getTime());
    ui.info(`Time remaining: ${formatDuration(Math.ceil(remainingMs / 1000) * 1000)}`);
    if (!(await pause(nextAtMs - now().getTime(), signal))) {
      failures.push('stopping collection due to shutdown signal');
      return failures;
    }
  }
}

/** Waits `ms`; false when `signal` fired first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await delay(Math.max(0, ms), undefined, { signal });
    return true;
  } catch {
    // An abort is the only way delay() rejects: the run was interrupted.
    return false;
  }
}

/** The log stream into consul.log until `until` fires. */
async function captureLogs(components: CaptureComponents, until: AbortSignal): Promise<void> {
  const { source, bundle } = components;
  const file = createWriteStream(bundle.path(bundleFiles.log), { mode: 0o644 });
  try {
    const stream = await source.logs({ signal: until });
    await pipeline(stream, file, { signal: until });
  } catch (error) {
    file.destroy();
    // The stream ends by the deadline or Ctrl-C aborting it: that is the normal end of a log capture.
    if (!until.aborted) throw error;
  }
}

async function captureCpuProfile(components: CaptureComponents, run: DebugRun, signal: AbortSignal): Promise<void> {
  const wantedSeconds = Math.ceil(run.durationMs / 1000);
  const seconds = Math.min(wantedSeconds, cpuProfileSecondsMax);
  if (seconds < wantedSeconds) {
    components.ui.info(`The CPU profile covers the first ${formatDuration(seconds * 1000)}, the most an agent records`);
  }
  const profile = await components.source.cpuProfile(seconds, { signal });
  await components.bundle.writeText(bundleFiles.cpuProfile, profile);
}

/** Metrics, logs and profiles over the run's duration; returns the failures (Consul: "Error encountered ..."). */
export async function captureDynamic(
  components: CaptureComponents,
  run: DebugRun,
  signal: AbortSignal,
): Promise<string[]> {
  const endsAtMs = components.now().getTime() + run.durationMs;
  // A timer that holds the process open (AbortSignal.timeout's does not): the run lasts until the deadline.
  const deadline = new AbortController();
  const deadlineTimer = setTimeout(() => deadline.abort(), run.durationMs);
  const untilEnd = AbortSignal.any([signal, deadline.signal]);
  const labelled = (what: string, work: Promise<void>): Promise<string[]> =>
    work.then(
      () => [],
      (error: unknown) => [`${what}: ${message(error)}`],
    );
  const jobs: Promise<string[]>[] = [captureIntervals(components, run, endsAtMs, signal)];
  if (captures(run.targets, 'logs')) jobs.push(labelled('failed to capture logs', captureLogs(components, untilEnd)));
  if (captures(run.targets, 'pprof')) {
    jobs.push(labelled('failed to collect cpu profile', captureCpuProfile(components, run, signal)));
  }
  try {
    return (await Promise.all(jobs)).flat();
  } finally {
    clearTimeout(deadlineTimer);
  }
}

/** listpeers.json: the Raft peer table as `operator raft list-peers` prints it. */
export async function captureRaftPeers(components: CaptureComponents): Promise<void> {
  const configuration = await components.source.raftConfiguration();
  await components.bundle.writeText(bundleFiles.listPeers, formatPeers(configuration));
}
