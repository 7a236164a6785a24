// HTTP check (Consul agent/checks CheckHTTP): one request per interval; 2xx passing, 429 warning (Too Many
// Requests means alive but shedding), anything else or no answer critical. Output: a status line plus the first
// output_max_size bytes of the body. User-Agent `Consul Health Check`, as servers behind Consul expect.

import http from 'node:http';
import https from 'node:https';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe, truncateOutput } from './types.js';

export const httpCheckUserAgent = 'Consul Health Check';

export function httpProbe(definition: CheckDefinition): Probe {
  const target = definition.http ?? '';
  const method = definition.method || 'GET';
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        resolve({ status: 'critical', output: `invalid URL "${target}"` });
        return;
      }
      const headers: Record<string, string | string[]> = {
        'User-Agent': httpCheckUserAgent,
        Accept: 'text/plain, text/*, */*',
      };
      for (const [name, values] of Object.entries(definition.header)) {
        if (values.length === 0) continue;
        headers[name] = values.length === 1 ? values[0]! : [...values];
      }
      const transport = url.protocol === 'https:' ? https : http;
      const options: https.RequestOptions = { method, headers, signal };
      if (url.protocol === 'https:') {
        options.rejectUnauthorized = !definition.tlsSkipVerify;
        if (definition.tlsServerName !== '') options.servername = definition.tlsServerName;
      }
      const prefix = `HTTP ${method} ${target}`;
      const request = transport.request(url, options, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          // Read only what the output keeps; the rest is drained and dropped.
          if (size < definition.outputMaxSizeBytes) {
            chunks.push(chunk);
            size += chunk.length;
          }
        });
        response.on('end', () => {
          const code = response.statusCode ?? 0;
          const body = truncateOutput(Buffer.concat(chunks).toString('utf8'), definition.outputMaxSizeBytes);
          const output = `${prefix}: ${code} ${response.statusMessage ?? ''} Output: ${body}`;
          const status = code >= 200 && code <= 299 ? 'passing' : code === 429 ? 'warning' : 'critical';
          resolve({ status, output });
        });
        response.on('error', (error) => resolve({ status: 'critical', output: `${prefix}: ${errorText(error)}` }));
      });
      request.on('error', (error) => {
        const reason = signal.aborted ? 'timed out' : errorText(error);
        resolve({ status: 'critical', output: `${prefix}: ${reason}` });
      });
      if (definition.body !== '') request.write(definition.body);
      request.end();
    });
}
