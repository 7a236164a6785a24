// Go-style durations ("250ms", "1m30s", "72h"), which Consul's config files and HTTP API use everywhere.
// Durations are held as milliseconds (fractional below 1 ms); parse follows Go's time.ParseDuration and
// format follows Go's Duration.String so values round-trip the way Consul users expect.

import { ValidationError } from './errors.js';

const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const componentPattern = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

export class DurationError extends ValidationError {
  override readonly name = 'DurationError';
}

/** Parses a Go duration string into milliseconds; throws DurationError naming the bad input. */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') throw new DurationError(`expected a duration string, got ${typeof text}`);
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new DurationError(`invalid duration "${text}"`);
  let totalMs = 0;
  while (rest.length > 0) {
    const match = componentPattern.exec(rest);
    if (!match) {
      const hint = /^\d+(\.\d+)?$/.test(rest) ? ' (missing unit: use ms, s, m or h)' : '';
      throw new DurationError(`invalid duration "${text}"${hint}`);
    }
    totalMs += Number(match[1]) * unitMs[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  if (!Number.isFinite(totalMs)) throw new DurationError(`duration "${text}" is out of range`);
  return sign * totalMs;
}

/** Accepts what Consul accepts for a duration field: a Go duration string, or a number of nanoseconds. */
export function parseDurationField(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value / 1e6;
  if (typeof value === 'string') return parseDuration(value);
  throw new DurationError(`expected a duration such as "10s", got ${describeType(value)}`);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}

/** Formats milliseconds as Go's Duration.String does: "0s", "250ms", "1.5s", "1m30s", "72h0m0s". */
export function formatDuration(durationMs: number): string {
  if (durationMs === 0) return '0s';
  const sign = durationMs < 0 ? '-' : '';
  const absoluteMs = Math.abs(durationMs);
  if (absoluteMs < 1e-3) return `${sign}${trimFloat(absoluteMs * 1e6)}ns`;
  if (absoluteMs < 1) return `${sign}${trimFloat(absoluteMs * 1e3)}µs`;
  if (absoluteMs < 1000) return `${sign}${trimFloat(absoluteMs)}ms`;
  const hours = Math.floor(absoluteMs / 3_600_000);
  const minutes = Math.floor((absoluteMs % 3_600_000) / 60_000);
  const seconds = (absoluteMs % 60_000) / 1000;
  const secondsText = `${trimFloat(seconds)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${sign}${minutes}m${secondsText}`;
  return `${sign}${secondsText}`;
}

function trimFloat(value: number): string {
  // Nine significant decimals covers nanosecond precision without float noise such as 0.30000000000000004.
  return String(Number(value.toFixed(9)));
}
