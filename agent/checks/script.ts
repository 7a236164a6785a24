// Script check (Consul CheckMonitor): runs `args` directly (no shell); exit 0 passing, 1 warning, anything else
// critical; the timeout kills the process. Output = combined stdout and stderr, first output_max_size bytes.

import { spawn } from 'node:child_process';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe, truncateOutput } from './types.js';

export function scriptProbe(definition: CheckDefinition): Probe {
  const [command, ...args] = definition.args;
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      if (command === undefined) {
        resolve({ status: 'critical', output: 'script check has no args' });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const keep = (chunk: Buffer): void => {
        if (size >= definition.outputMaxSizeBytes) return;
        chunks.push(chunk);
        size += chunk.length;
      };
      const child = spawn(command, args, { signal, stdio: ['ignore', 'pipe', 'pipe'], killSignal: 'SIGKILL' });
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      let failed: string | null = null;
      child.on('error', (error) => {
        failed = signal.aborted ? 'Timed out running check' : errorText(error);
      });
      child.on('close', (code) => {
        const output = truncateOutput(Buffer.concat(chunks).toString('utf8'), definition.outputMaxSizeBytes);
        if (failed !== null || signal.aborted) {
          resolve({ status: 'critical', output: failed ?? 'Timed out running check' });
          return;
        }
        const status = code === 0 ? 'passing' : code === 1 ? 'warning' : 'critical';
        resolve({ status, output });
      });
    });
}
