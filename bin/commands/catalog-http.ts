// The small HTTP client and table printer behind `lattice catalog`, `lattice operator raft` and `lattice snapshot`:
// one request to the agent with the token and a deadline, Consul's CLI wording on failure ("Unexpected response
// code: 500 (No cluster leader)"), and columns padded as Consul's columnize pads them.

import { LatticeError } from '../../lib/errors.js';
import { agentUrl, type HttpClientOptions, requestHeaders } from '../http-options.js';

export class AgentRequestError extends LatticeError {
  override readonly name = 'AgentRequestError';
}

/**
 * The message for a failed request, printed as it is (bin/error-output.ts): a `what` that is a whole Consul phrase
 * ("Error querying Consul agent", "Error! Failed writing data") takes the cause after a colon, as Consul prints it;
 * a bare activity ("listing nodes") becomes Consul's usual shape, "Error listing nodes: <cause>".
 */
export function failureMessage(what: string, cause: string): string {
  return /^[A-Z]/.test(what) ? `${what}: ${cause}` : `Error ${what}: ${cause}`;
}

/** One CLI request is an operator waiting at a prompt; a minute covers a slow leader election. */
export const cliRequestTimeoutMs = 60_000;

export interface AgentRequest {
  readonly method?: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** Path under the agent, with `/v1/`. */
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array | string;
  readonly signal?: AbortSignal;
}

/** Sends the request; AgentRequestError naming `what` on a transport failure or a non-2xx answer. */
export async function agentRequest(target: HttpClientOptions, what: string, request: AgentRequest): Promise<Response> {
  const url = agentUrl(target, request.path, request.query);
  const signal = request.signal ?? AbortSignal.timeout(cliRequestTimeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: requestHeaders(target),
      body: request.body ?? null,
      signal,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new AgentRequestError(
      'ERR_AGENT_UNREACHABLE',
      failureMessage(
        what,
        `cannot reach the agent at ${target.baseUrl} (${detail}); is \`lattice agent\` running? ` +
          'Set -http-addr or CONSUL_HTTP_ADDR to point at it',
      ),
      { cause: error },
    );
  }
  if (!response.ok) {
    const text = (await response.text()).trim();
    throw new AgentRequestError(
      'ERR_AGENT_HTTP',
      failureMessage(what, `Unexpected response code: ${response.status} (${text})`),
    );
  }
  return response;
}

/** GET and parse JSON. */
export async function agentJson<T>(target: HttpClientOptions, what: string, request: AgentRequest): Promise<T> {
  const response = await agentRequest(target, what, request);
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new AgentRequestError('ERR_AGENT_HTTP', failureMessage(what, 'the agent answered with unreadable JSON'), {
      cause: error,
    });
  }
}

/** Rows as columns separated by two spaces, each as wide as its widest cell (Consul's columnize). */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, position) => {
      widths[position] = Math.max(widths[position] ?? 0, cell.length);
    });
  return rows
    .map((row) =>
      row
        .map((cell, position) => (position === row.length - 1 ? cell : cell.padEnd(widths[position] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `-format`: pretty (tables, the default) or json. */
export function checkFormat(format: string): 'pretty' | 'json' {
  if (format === 'pretty' || format === 'json') return format;
  throw new LatticeError('ERR_USAGE', `unknown -format "${format}" (use pretty or json)`);
}

/** Collects a repeatable commander option. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** Consul's CLI `-node-meta key=value` becomes the API's `node-meta=key:value`. */
export function nodeMetaQuery(pairs: readonly string[]): [string, string][] {
  return pairs.map((pair) => {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new LatticeError('ERR_USAGE', `-node-meta "${pair}" must be key=value`);
    return ['node-meta', `${pair.slice(0, equals)}:${pair.slice(equals + 1)}`];
  });
}
