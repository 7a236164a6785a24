// The HTTP client a proxy process (`lattice connect proxy`) uses to talk to its local agent: one JSON request with
// the token header and a deadline, and Consul's blocking reads (`?index=` or `?hash=` plus `?wait=`), answering the
// body with X-Consul-Index / X-Consul-ContentHash. Only HTTP: the proxy process loads no agent or server code.

import { LatticeError } from '../../lib/errors.js';

export interface AgentHttpTarget {
  /** `http://host:port`, no trailing slash. */
  readonly baseUrl: string;
  /** Sent as X-Consul-Token; null for anonymous. */
  readonly token: string | null;
}

export interface AgentAnswer<T> {
  readonly status: number;
  readonly value: T;
  /** X-Consul-Index, 0 when absent. */
  readonly index: number;
  /** X-Consul-ContentHash, '' when absent. */
  readonly contentHash: string;
}

/** The agent answered with a status the caller did not accept; the status is kept for callers that branch on it. */
export class AgentHttpError extends LatticeError {
  override readonly name = 'AgentHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('ERR_AGENT_HTTP', message);
  }
}

/** The agent could not be reached (refused, reset, timed out). */
export class AgentUnreachableError extends LatticeError {
  override readonly name = 'AgentUnreachableError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_AGENT_UNREACHABLE', message, options);
  }
}

export interface AgentRequest {
  readonly method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Non-2xx statuses answered as values instead of errors (404 for a deregistered service). */
  readonly accept?: readonly number[];
  readonly signal?: AbortSignal;
  /** The whole request, including a blocking wait. */
  readonly timeoutMs: number;
}

export async function agentRequest<T>(target: AgentHttpTarget, request: AgentRequest): Promise<AgentAnswer<T | null>> {
  const url = new URL(`${target.baseUrl}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: {
        ...(target.token === null ? {} : { 'X-Consul-Token': target.token }),
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (request.signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new AgentUnreachableError(
      `${request.method ?? 'GET'} ${request.path}: cannot reach the agent at ${target.baseUrl} (${
        cause?.code ?? cause?.message ?? (error as Error).message
      })`,
      { cause: error },
    );
  }
  const accepted = response.ok || (request.accept ?? []).includes(response.status);
  if (!accepted)
    throw new AgentHttpError(
      response.status,
      `${request.method ?? 'GET'} ${request.path}: Unexpected response code: ${response.status} (${text.trim()})`,
    );
  let value: T | null = null;
  if (response.ok && text !== '') {
    try {
      value = JSON.parse(text) as T;
    } catch (error) {
      throw new AgentHttpError(response.status, `${request.path}: the agent answered with unreadable JSON (${error})`);
    }
  }
  return {
    status: response.status,
    value,
    index: Number(response.headers.get('x-consul-index') ?? 0) || 0,
    contentHash: response.headers.get('x-consul-contenthash') ?? '',
  };
}
