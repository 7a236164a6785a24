// OS service check (`os_service`, Consul 1.15+ CheckOSService): whether a service of the operating system runs.
// Consul implements it only on Windows (the service control manager); its Linux build refuses the check as "not
// implemented". Lattice asks systemd instead, with Consul's Windows semantics: `systemctl is-active <name>`
// answering `active` is passing (`Service "<name>" is healthy`); a stopped unit (inactive, failed) is critical
// with Consul's `service status: <state> - OS Service unhealthy`; a unit on its way somewhere (activating,
// deactivating, reloading, ...) is warning; when systemctl cannot be asked, warning with the reason, as Consul
// treats an error that is not the critical one. The timeout is critical: `Timed out (<d>) running check`.

import { spawn } from 'node:child_process';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe } from './types.js';

/** Consul's errOSServiceStatusCritical. */
export const osServiceCriticalText = 'OS Service unhealthy';

/** systemd's ActiveState values that mean the service is not running and is not about to. */
const stoppedStates = new Set(['inactive', 'failed', 'dead']);

/** What `systemctl is-active` printed (its first line) and its exit code. */
export interface ActiveStateAnswer {
  readonly state: string;
  readonly exitCode: number | null;
}

/** Asks the service manager; rejects when it cannot be run. */
export type ActiveStateQuery = (service: string, signal: AbortSignal) => Promise<ActiveStateAnswer>;

/**
 * `systemctl is-active -- <service>` from PATH. No state on stdout means systemd could not be asked (no systemd as
 * PID 1, no bus): that rejects with systemctl's own first line of complaint.
 */
export const systemctlIsActive: ActiveStateQuery = (service, signal) =>
  new Promise((resolve, reject) => {
    const child = spawn('systemctl', ['is-active', '--', service], {
      signal,
      stdio: ['ignore', 'pipe', 'pipe'],
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < 4096) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (exitCode) => {
      const state = stdout.split('\n')[0]?.trim() ?? '';
      if (state === '' && exitCode !== 0) {
        const complaint = stderr.split('\n')[0]?.trim();
        reject(new Error(complaint || `systemctl is-active exited with status ${exitCode}`));
        return;
      }
      resolve({ state, exitCode });
    });
  });

/** Go's time.Duration String() for the timeout message (whole milliseconds are all a check timeout holds). */
function goDuration(ms: number): string {
  if (ms % 1000 === 0) {
    const seconds = ms / 1000;
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = seconds % 60;
    if (hours > 0) return `${hours}h${minutes}m${rest}s`;
    if (minutes > 0) return `${minutes}m${rest}s`;
    return `${rest}s`;
  }
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

export function osServiceProbe(definition: CheckDefinition, query: ActiveStateQuery = systemctlIsActive): Probe {
  const service = definition.osService ?? '';
  return async (signal): Promise<CheckResult> => {
    let answer: ActiveStateAnswer;
    try {
      answer = await query(service, signal);
    } catch (error) {
      if (signal.aborted)
        return { status: 'critical', output: `Timed out (${goDuration(definition.timeoutMs)}) running check` };
      return { status: 'warning', output: `error querying service status: ${errorText(error)}` };
    }
    if (signal.aborted)
      return { status: 'critical', output: `Timed out (${goDuration(definition.timeoutMs)}) running check` };
    // is-active exits 0 exactly when the unit is active (or reloading, which is running too).
    if (answer.exitCode === 0) return { status: 'passing', output: `Service "${service}" is healthy` };
    const state = answer.state === '' ? 'unknown' : answer.state;
    if (stoppedStates.has(state))
      return { status: 'critical', output: `service status: ${state} - ${osServiceCriticalText}` };
    return { status: 'warning', output: `service status: ${state}` };
  };
}
