// The HTTP calls behind `lattice kv` and `lattice lock`: KV get/put/delete, sessions and blocking reads against the
// local agent, with the status kept (a KV 404 is an answer, not a failure) and Consul's CLI wording otherwise.

import { LatticeError } from '../../lib/errors.js';
import { agentUrl, type HttpClientOptions, requestHeaders } from '../http-options.js';
import { AgentRequestError, cliRequestTimeoutMs, failureMessage } from './catalog-http.js';

export interface KvPair {
  readonly Key: string;
  /** Consul's uint64: the decimal digits when read through parseKvPairs (exact above 2^53). */
  readonly Flags: number | string;
  readonly Value: string | null;
  readonly Session?: string;
  readonly LockIndex: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export interface RawAnswer {
  readonly status: number;
  readonly index: number;
  readonly body: string;
}

export interface KvRequest {
  readonly method?: 'GET' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array | string;
  readonly signal?: AbortSignal;
  /** Statuses that are answers rather than failures (404 for a KV miss). */
  readonly accept?: readonly number[];
}

/** One request to the agent; AgentRequestError naming `what` unless the status is 2xx or accepted. */
export async function agentCall(target: HttpClientOptions, what: string, request: KvRequest): Promise<RawAnswer> {
  const url = agentUrl(target, request.path, request.query);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: requestHeaders(target),
      body: request.body ?? null,
      signal: request.signal ?? AbortSignal.timeout(cliRequestTimeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new AgentRequestError(
      'ERR_AGENT_UNREACHABLE',
      failureMessage(
        what,
        `cannot reach the agent at ${target.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message})`,
      ),
      { cause: error },
    );
  }
  const body = await response.text();
  if (!response.ok && !(request.accept ?? []).includes(response.status))
    throw new AgentRequestError(
      'ERR_AGENT_HTTP',
      failureMessage(what, `Unexpected response code: ${response.status} (${body.trim()})`),
    );
  return { status: response.status, index: Number(response.headers.get('x-consul-index') ?? 0), body };
}

export function parseJson<T>(answer: RawAnswer, what: string): T {
  try {
    return JSON.parse(answer.body) as T;
  } catch (error) {
    throw new LatticeError('ERR_AGENT_HTTP', failureMessage(what, 'the agent answered with unreadable JSON'), {
      cause: error,
    });
  }
}

/** `/v1/kv/<key>` with each path segment escaped (keys may hold any character). */
export const kvPath = (key: string): string => `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;

export const decodeValue = (value: string | null): Buffer =>
  value === null ? Buffer.alloc(0) : Buffer.from(value, 'base64');

/**
 * Consul's KV Flags are a uint64 that the agent writes as a bare JSON number; JSON.parse would round one above 2^53
 * (18446744073709551615 reads back as 18446744073709552000). The number after a `"<field>":` member name is quoted
 * first so it parses as its exact digits. A string value cannot fake the match: a quote inside it is always
 * escaped, and `Flags":` needs a bare quote, which only ever ends a member name.
 */
export function withExactFlags(json: string, field: 'Flags' | 'flags'): string {
  return json.replace(new RegExp(`"${field}":(\\s*)(\\d+)`, 'g'), `"${field}":$1"$2"`);
}

/** The agent's KV entries with Flags as exact decimal text. */
export function parseKvPairs(answer: RawAnswer, what: string): KvPair[] {
  return parseJson<KvPair[]>({ ...answer, body: withExactFlags(answer.body, 'Flags') }, what);
}
