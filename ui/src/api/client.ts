// The UI's one way to the agent's HTTP API: JSON in and out, the datacenter and ACL token on every request, and
// failures turned into ApiError with a kind the pages can explain (403, 500, no leader, lost connection).

export type ApiErrorKind =
  | 'forbidden'
  | 'not-found'
  | 'no-leader'
  | 'server'
  | 'bad-request'
  | 'network'
  | 'aborted'
  /** Refused by the UI before any write: what it would create already exists. */
  | 'conflict';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiReply<T> {
  readonly value: T;
  /** X-Consul-Index: what a blocking query waits past; 0 when the endpoint does not block. */
  readonly index: number;
}

const tokenStorageKey = 'lattice:token';

export function savedToken(): string {
  try {
    return localStorage.getItem(tokenStorageKey) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  if (token === '') localStorage.removeItem(tokenStorageKey);
  else localStorage.setItem(tokenStorageKey, token);
}

/** The datacenter every request names; the layout sets it from the URL (`/ui/<dc>/…`). */
let currentDatacenter = '';
export function setRequestDatacenter(dc: string): void {
  currentDatacenter = dc;
}

export function apiUrl(path: string, params: Record<string, string | number | boolean | undefined> = {}): string {
  const url = new URL(path, window.location.origin);
  if (currentDatacenter !== '' && params['dc'] === undefined) url.searchParams.set('dc', currentDatacenter);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === false) continue;
    // Consul's presence flags (?keys, ?recurse) take no value.
    url.searchParams.set(name, value === true ? '' : String(value));
  }
  return url.pathname + url.search.replace(/=(&|$)/g, '$1');
}

function kindOf(status: number, text: string): ApiErrorKind {
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 400 || status === 409 || status === 413) return 'bad-request';
  if (/no cluster leader/i.test(text)) return 'no-leader';
  return 'server';
}

export interface RequestOptions {
  readonly method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly body?: string | object;
  readonly signal?: AbortSignal;
  /** Statuses besides 2xx whose body is still the answer (autopilot health answers 429 when unhealthy). */
  readonly okStatuses?: readonly number[];
}

/** One request; `path` already holds its query (see apiUrl). Non-2xx answers and network failures throw ApiError. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<ApiReply<T>> {
  const headers: Record<string, string> = {};
  const token = savedToken();
  if (token !== '') headers['X-Consul-Token'] = token;
  const body = typeof options.body === 'object' ? JSON.stringify(options.body) : options.body;
  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? 'GET', headers, body, signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw new ApiError('aborted', 0, 'the request was cancelled');
    throw new ApiError('network', 0, `Lost connection to the agent (${(error as Error).message})`);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok && !options.okStatuses?.includes(response.status)) {
    const message = text.trim() === '' ? `HTTP ${response.status} ${response.statusText}` : text.trim();
    throw new ApiError(kindOf(response.status, message), response.status, message);
  }
  const index = Number(response.headers.get('X-Consul-Index') ?? 0);
  let value: T;
  try {
    value = (text === '' ? null : JSON.parse(text)) as T;
  } catch {
    value = (response.ok ? text : null) as T;
  }
  return { value, index: Number.isFinite(index) ? index : 0 };
}

export const getJson = <T>(path: string, signal?: AbortSignal): Promise<T> =>
  request<T>(path, { signal }).then((reply) => reply.value);

/** Explains an error to a person: what happened and what they can do. */
export function describeError(error: unknown): { title: string; detail: string } {
  if (!(error instanceof ApiError)) return { title: 'Something went wrong', detail: String(error) };
  switch (error.kind) {
    case 'forbidden':
      return {
        title: 'Permission denied (403)',
        detail: `The agent refused this request for the ACL token in use (${error.message}). Set a token with the needed permissions under "Token".`,
      };
    case 'no-leader':
      return {
        title: 'No cluster leader',
        detail: 'The servers have not elected a leader, so the catalog cannot be read right now. Retrying…',
      };
    case 'network':
      return {
        title: 'Lost connection to the agent',
        detail: `${error.message}. Retrying until the agent answers again…`,
      };
    case 'not-found':
      return { title: 'Not found (404)', detail: error.message };
    case 'bad-request':
      return { title: `The agent refused the request (${error.status})`, detail: error.message };
    case 'conflict':
      return { title: 'Already exists', detail: error.message };
    default:
      return { title: `The agent answered with an error (${error.status})`, detail: error.message };
  }
}
