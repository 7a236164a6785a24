// The HTTP calls behind `lattice intention`, `lattice config` and `lattice connect ca`: one JSON request to the
// local agent, with Consul's CLI wording on failure, and the config-file reader (HCL, JSON or YAML by extension,
// JSON when unknown, `-` for stdin) through the agent's own parsers.

import { type ConfigFormat, formatForPath, parseConfigText } from '../../agent/config/formats.js';
import { unwrapHclBlocks } from '../../agent/config/hcl-blocks.js';
import { LatticeError } from '../../lib/errors.js';
import { agentUrl, type HttpClientOptions, requestHeaders } from '../http-options.js';
import { AgentRequestError, cliRequestTimeoutMs } from './catalog-http.js';
import { readInputFile } from './read-input.js';

export interface JsonAnswer {
  readonly status: number;
  readonly body: string;
}

export interface JsonRequest {
  readonly method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly body?: unknown;
  /** Statuses that are answers rather than failures (404 for a missing intention). */
  readonly accept?: readonly number[];
}

export async function agentJson(target: HttpClientOptions, what: string, request: JsonRequest): Promise<JsonAnswer> {
  const url = agentUrl(target, request.path, request.query);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: { ...requestHeaders(target), 'Content-Type': 'application/json' },
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal: AbortSignal.timeout(cliRequestTimeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new AgentRequestError(
      'ERR_AGENT_UNREACHABLE',
      `${what}: cannot reach the agent at ${target.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message})`,
      { cause: error },
    );
  }
  const body = await response.text();
  if (!response.ok && !(request.accept ?? []).includes(response.status))
    throw new AgentRequestError(
      'ERR_AGENT_HTTP',
      `${what}: Unexpected response code: ${response.status} (${body.trim()})`,
    );
  return { status: response.status, body };
}

export function parsed<T>(answer: JsonAnswer, what: string): T {
  try {
    return JSON.parse(answer.body) as T;
  } catch (error) {
    throw new LatticeError('ERR_AGENT_HTTP', `${what}: the agent answered with unreadable JSON`, { cause: error });
  }
}

/** Standard input, read to its end (a `-` argument). */
export async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A config file as consul config write reads it: HCL or JSON (YAML too), `-` for standard input. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const text = path === '-' ? await readStdinText() : await readInputFile(path);
  const guessed: ConfigFormat = formatForPath(path) ?? (text.trimStart().startsWith('{') ? 'json' : 'hcl');
  const result = parseConfigText(text, guessed);
  if (!result.ok) throw new LatticeError('ERR_USAGE', `Failed to decode config entry input: ${result.message}`);
  if (typeof result.value !== 'object' || result.value === null || Array.isArray(result.value))
    throw new LatticeError('ERR_USAGE', 'Failed to decode config entry input: expected an object');
  return unwrapHclBlocks(result.value as Record<string, unknown>);
}
