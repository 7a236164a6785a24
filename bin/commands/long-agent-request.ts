// GET requests to the agent that may run for minutes without a byte: a CPU profile answers only once its recording
// ends (consul debug's default capture is 5m2s), and a log stream stays silent while the agent is idle. They go
// over node:http, which has no deadline of its own, because fetch (undici) abandons a request after 300 s without
// headers or body bytes. The caller's signal is the only deadline; failures read as agentRequest's do.

import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { agentUrl, type HttpClientOptions, requestHeaders } from '../http-options.js';
import { AgentRequestError, failureMessage } from './catalog-http.js';

export interface LongAgentRequest {
  /** Path under the agent, with `/v1/` or `/debug/`. */
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly signal: AbortSignal;
}

/** The response once its headers arrived with a 2xx status; its body is read by the caller. */
export function longAgentRequest(
  target: HttpClientOptions,
  what: string,
  request: LongAgentRequest,
): Promise<IncomingMessage> {
  const url = agentUrl(target, request.path, request.query);
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const outgoing = get(url, { headers: requestHeaders(target), signal: request.signal }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(response);
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8').trim();
        reject(
          new AgentRequestError(
            'ERR_AGENT_HTTP',
            failureMessage(what, `Unexpected response code: ${status} (${text})`),
          ),
        );
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (request.signal.aborted) {
        reject(error);
        return;
      }
      reject(
        new AgentRequestError(
          'ERR_AGENT_UNREACHABLE',
          failureMessage(what, `cannot reach the agent at ${target.baseUrl} (${error.code ?? error.message})`),
          { cause: error },
        ),
      );
    });
  });
}

/** The whole body as text. */
export async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
