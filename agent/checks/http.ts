// HTTP check (Consul agent/checks CheckHTTP): one request per interval; 2xx passing, 429 warning (Too Many
// Requests means alive but shedding), anything else or no answer critical. Redirects are followed (at most 10, as
// Go's client) unless disable_redirects. Output: a status line plus the first output_max_size bytes of the body.
// User-Agent `Consul Health Check`, as servers behind Consul expect.

import http from 'node:http';
import https from 'node:https';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe, truncateOutput } from './types.js';

export const httpCheckUserAgent = 'Consul Health Check';
/** Go's http.Client stops after 10 redirects. */
export const redirectCountMax = 10;

interface Answer {
  readonly code: number;
  readonly message: string;
  readonly location: string | null;
  readonly body: string;
}

function requestOnce(definition: CheckDefinition, url: URL, method: string, signal: AbortSignal): Promise<Answer> {
  const headers: Record<string, string | string[]> = {
    'User-Agent': httpCheckUserAgent,
    Accept: 'text/plain, text/*, */*',
  };
  for (const [name, values] of Object.entries(definition.header)) {
    if (values.length === 0) continue;
    headers[name] = values.length === 1 ? values[0]! : [...values];
  }
  // Consul's Go client sends the body with any method and a Content-Length (never chunked), as some health
  // endpoints read no chunked body.
  const body = definition.body === '' ? null : Buffer.from(definition.body);
  if (body !== null) headers['Content-Length'] = String(body.length);
  const transport = url.protocol === 'https:' ? https : http;
  const options: https.RequestOptions = { method, headers, signal };
  if (url.protocol === 'https:') {
    options.rejectUnauthorized = !definition.tlsSkipVerify;
    if (definition.tlsServerName !== '') options.servername = definition.tlsServerName;
  }
  return new Promise<Answer>((resolve, reject) => {
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
      response.on('end', () =>
        resolve({
          code: response.statusCode ?? 0,
          message: response.statusMessage ?? '',
          location: typeof response.headers.location === 'string' ? response.headers.location : null,
          body: truncateOutput(Buffer.concat(chunks).toString('utf8'), definition.outputMaxSizeBytes),
        }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body ?? undefined);
  });
}

export function httpProbe(definition: CheckDefinition): Probe {
  const target = definition.http ?? '';
  const method = definition.method || 'GET';
  const prefix = `HTTP ${method} ${target}`;
  return async (signal) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { status: 'critical', output: `invalid URL "${target}"` };
    }
    let answer: Answer;
    let redirects = 0;
    let currentMethod = method;
    try {
      for (;;) {
        answer = await requestOnce(definition, url, currentMethod, signal);
        const redirect = answer.code >= 300 && answer.code < 400 && answer.location !== null;
        if (!redirect || definition.disableRedirects) break;
        if (++redirects > redirectCountMax)
          return { status: 'critical', output: `${prefix}: stopped after ${redirectCountMax} redirects` };
        url = new URL(answer.location!, url);
        // Go turns a redirected POST into a GET for 301, 302 and 303.
        if (answer.code !== 307 && answer.code !== 308 && currentMethod !== 'HEAD') currentMethod = 'GET';
      }
    } catch (error) {
      return { status: 'critical', output: `${prefix}: ${signal.aborted ? 'timed out' : errorText(error)}` };
    }
    const status: CheckResult['status'] =
      answer.code >= 200 && answer.code <= 299 ? 'passing' : answer.code === 429 ? 'warning' : 'critical';
    return { status, output: `${prefix}: ${answer.code} ${answer.message} Output: ${answer.body}` };
  };
}
