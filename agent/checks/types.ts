// What every check type produces: a status and the output shown in the catalog. A probe runs once and must end
// within its signal (the check's timeout); the runner owns scheduling, thresholds and what gets recorded.

import type { HealthStatus } from '../../server/state/types.js';

export interface CheckResult {
  readonly status: HealthStatus;
  readonly output: string;
}

export type Probe = (signal: AbortSignal) => Promise<CheckResult>;

/** Keeps the first `maxBytes` of a check's output (check_output_max_size, 4 KB by default). */
export function truncateOutput(output: string, maxBytes: number): string {
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= maxBytes) return output;
  return bytes.subarray(0, maxBytes).toString('utf8');
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return code ? `${error.message}${cause} (${code})` : `${error.message}${cause}`;
  }
  return String(error);
}
