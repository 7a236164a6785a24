// The layout of a `lattice debug` bundle, file for file as consul debug writes it (command/debug/debug.go), so tools
// that read Consul bundles read ours:
//   index.json                  {Version, AgentVersion, Interval, Duration, Targets}
//   agent.json, host.json, members.json, listpeers.json   static captures (listpeers.json is the table text)
//   consul.log                  the agent's log at TRACE for the whole duration
//   metrics.json                every interval's /v1/agent/metrics, one JSON document after another (a stream)
//   profile.cpuprofile          V8 CPU profile for the whole duration (Consul: profile.prof, Go pprof)
//   <timestamp>/metrics.json    one folder per interval: that interval's metrics snapshot,
//   <timestamp>/heap.json       heap statistics (Consul: heap.prof)
//   <timestamp>/handles.json    active handles and event loop (Consul: goroutine.prof)
// JSON is indented with tabs, as Go's json.MarshalIndent(v, "", "\t") writes it.

import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatticeError } from '../../lib/errors.js';

export const bundleFiles = {
  index: 'index.json',
  agent: 'agent.json',
  host: 'host.json',
  members: 'members.json',
  listPeers: 'listpeers.json',
  log: 'consul.log',
  metrics: 'metrics.json',
  cpuProfile: 'profile.cpuprofile',
  heap: 'heap.json',
  handles: 'handles.json',
} as const;

/** Consul's debugProtocolVersion: the bundle's layout version. */
export const debugProtocolVersion = 1;

/** index.json, with Consul's field names. */
export interface DebugIndex {
  readonly Version: number;
  readonly AgentVersion: string;
  readonly Interval: string;
  readonly Duration: string;
  readonly Targets: readonly string[];
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * Go's "2006-01-02T15-04-05Z0700" (RFC 3339 with hyphens for colons, which tar would take for a remote host): UTC
 * gives a trailing "Z", another zone its offset ("+0100"). `offsetMinutes` is minutes east of UTC.
 */
export function debugTimestamp(date: Date, offsetMinutes = 0): string {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  const day = `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
  const time = `${pad(shifted.getUTCHours())}-${pad(shifted.getUTCMinutes())}-${pad(shifted.getUTCSeconds())}`;
  if (offsetMinutes === 0) return `${day}T${time}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const absolute = Math.abs(offsetMinutes);
  return `${day}T${time}${sign}${pad(Math.floor(absolute / 60))}${pad(absolute % 60)}`;
}

/** The default -output: Consul's "consul-debug-<local time>", with Lattice's name. */
export function defaultOutputName(now: Date): string {
  return `lattice-debug-${debugTimestamp(now, -now.getTimezoneOffset())}`;
}

/** Go's Time.String() for a UTC time, as Consul prints capture times: "2026-12-01 22:30:05.12 +0000 UTC". */
export function goUtcTimeString(date: Date): string {
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const fraction = date.getUTCMilliseconds() === 0 ? '' : `.${pad(date.getUTCMilliseconds(), 3).replace(/0+$/, '')}`;
  return `${day} ${time}${fraction} +0000 UTC`;
}

/** Go's json.MarshalIndent with a tab. */
export function goIndentedJson(value: unknown): string {
  return JSON.stringify(value, null, '\t');
}

export class OutputExistsError extends LatticeError {
  override readonly name = 'OutputExistsError';
  constructor(path: string) {
    super('ERR_USAGE', `output directory already exists: ${path}`);
  }
}

/** A bundle directory being filled. Paths given to it are relative to the bundle. */
export class DebugBundle {
  private constructor(readonly directory: string) {}

  /** Creates the directory (and its parents); refuses one that exists, as Consul does, so nothing is overwritten. */
  static async create(directory: string): Promise<DebugBundle> {
    const existing = await stat(directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (existing !== null) throw new OutputExistsError(directory);
    try {
      await mkdir(directory, { recursive: true, mode: 0o755 });
    } catch (error) {
      throw new LatticeError('ERR_USAGE', `could not create output directory: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new DebugBundle(directory);
  }

  path(relative: string): string {
    return join(this.directory, relative);
  }

  async writeJson(relative: string, value: unknown): Promise<void> {
    await writeFile(this.path(relative), goIndentedJson(value), { mode: 0o644 });
  }

  async writeText(relative: string, text: string): Promise<void> {
    await writeFile(this.path(relative), text, { mode: 0o644 });
  }

  async appendText(relative: string, text: string): Promise<void> {
    await appendFile(this.path(relative), text, { mode: 0o644 });
  }

  /** The folder for one interval's captures, named by its UTC time; returns its path relative to the bundle. */
  async intervalFolder(capturedAt: Date): Promise<string> {
    const name = debugTimestamp(capturedAt);
    await mkdir(this.path(name), { recursive: true, mode: 0o755 });
    return name;
  }
}
