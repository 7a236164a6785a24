// `lattice debug` flag checks, as consul debug's prepare() makes them (command/debug/debug.go): the defaults, the
// minimum interval and duration that keep a capture from hammering the agent, the capture target names, and
// Consul's texts for each refusal. Pure functions: debug.ts prints the refusal and exits.

import { formatDuration } from '../../lib/duration.js';

/** How often dynamic information (metrics, heap, handles) is captured: Consul's debugInterval. */
export const debugIntervalDefaultMs = 30_000;
/** How long the whole capture runs: Consul's debugDuration. */
export const debugDurationDefaultMs = 5 * 60_000;
/** Added to -duration so the last interval still fits (Consul's debugDurationGrace). */
export const debugDurationGraceMs = 2_000;
/** Consul's debugMinInterval: shorter intervals would turn the capture into a load on the agent. */
export const debugIntervalMinMs = 5_000;
/** Consul's debugMinDuration: shorter runs cannot collect everything. */
export const debugDurationMinMs = 10_000;
/**
 * Tests only: set to 1 to lift the two minimums above so an integration test can capture in seconds (Consul's own
 * tests clear validateTiming the same way). A positive duration no shorter than the interval is still required.
 */
export const skipTimingMinimumsEnv = 'LATTICE_DEBUG_SKIP_TIMING_MINIMUMS';

/** Consul's defaultTargets, in its order: what `-capture` accepts and what is captured when it is not given. */
export const captureTargets = ['metrics', 'logs', 'pprof', 'host', 'agent', 'members'] as const;
export type CaptureTarget = (typeof captureTargets)[number];
/** Consul's deprecatedTargets: `cluster` is the old name of `members`. */
const deprecatedTargets: readonly string[] = ['cluster'];

export interface DebugTiming {
  readonly durationMs: number;
  readonly intervalMs: number;
}

/** The refusal Consul words for a duration or interval, or null when the pair is acceptable. */
export function timingProblem(timing: DebugTiming, options: { readonly checkMinimums: boolean }): string | null {
  const { durationMs, intervalMs } = timing;
  if (options.checkMinimums) {
    if (durationMs < debugDurationMinMs) return `duration must be longer than ${formatDuration(debugDurationMinMs)}`;
    // Consul's text names the duration minimum here (a slip in debug.go); the interval minimum is the true bound.
    if (intervalMs < debugIntervalMinMs) return `interval must be longer than ${formatDuration(debugIntervalMinMs)}`;
  } else {
    if (durationMs <= 0) return 'duration must be positive';
    if (intervalMs <= 0) return 'interval must be positive';
  }
  if (durationMs < intervalMs) {
    return `duration (${formatDuration(durationMs)}) must be longer than interval (${formatDuration(intervalMs)})`;
  }
  return null;
}

/** Consul's refusal for the first unknown target, or null. */
export function targetProblem(targets: readonly string[]): string | null {
  const unknown = targets.find(
    (target) => !(captureTargets as readonly string[]).includes(target) && !deprecatedTargets.includes(target),
  );
  return unknown === undefined ? null : `target not found: ${unknown}`;
}

/** Whether `target` is captured: `cluster` counts as `members` (Consul's captureTarget). */
export function captures(targets: readonly string[], target: CaptureTarget): boolean {
  return targets.includes(target) || (target === 'members' && targets.includes('cluster'));
}

/** What the agent's /v1/agent/self DebugConfig allows: profiles with enable_debug, or with ACLs (operator:read). */
export interface ProfilePermission {
  readonly enableDebug: boolean;
  readonly aclsEnabled: boolean;
}

/**
 * Drops `pprof` when the agent serves no profiles, with Consul's warning text; the targets are otherwise kept in
 * the order given. The warning is null when nothing was dropped.
 */
export function withoutUnavailableProfiles(
  targets: readonly string[],
  permission: ProfilePermission,
): { readonly targets: string[]; readonly warning: string | null } {
  if (permission.enableDebug || permission.aclsEnabled || !targets.includes('pprof')) {
    return { targets: [...targets], warning: null };
  }
  return {
    targets: targets.filter((target) => target !== 'pprof'),
    warning: '[WARN] Unable to capture pprof. Set enable_debug to true on target agent to enable profiling.',
  };
}
