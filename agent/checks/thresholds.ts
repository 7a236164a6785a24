// success_before_passing / failures_before_warning / failures_before_critical (Consul agent/checks StatusHandler),
// as a pure step: given the counters and the new result, the status to record (or null: keep the current one).

import type { HealthStatus } from '../../server/state/types.js';

export interface ThresholdConfig {
  readonly successBeforePassing: number;
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
}

export interface ThresholdCounters {
  readonly successes: number;
  readonly failures: number;
}

export interface ThresholdStep {
  readonly counters: ThresholdCounters;
  /** null: not enough consecutive results yet, the recorded status stays (the output still updates). */
  readonly status: HealthStatus | null;
}

export const initialCounters: ThresholdCounters = Object.freeze({ successes: 0, failures: 0 });

export function applyThresholds(
  config: ThresholdConfig,
  counters: ThresholdCounters,
  result: HealthStatus,
): ThresholdStep {
  // As Consul's StatusHandler: warning counts as a success; counts include this result.
  if (result !== 'critical') {
    const successes = counters.successes + 1;
    return { counters: { successes, failures: 0 }, status: successes >= config.successBeforePassing ? result : null };
  }
  const failures = counters.failures + 1;
  const next = { successes: 0, failures };
  if (failures >= config.failuresBeforeCritical) return { counters: next, status: 'critical' };
  // An unset warning threshold means "same as critical" (never warn first).
  const warningAfter =
    config.failuresBeforeWarning === 0 ? config.failuresBeforeCritical : config.failuresBeforeWarning;
  if (failures >= warningAfter) return { counters: next, status: 'warning' };
  return { counters: next, status: null };
}
