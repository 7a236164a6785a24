// `lattice keyring -list|-install|-use|-remove`: manages the gossip keyring of every member through the agent's
// `/v1/operator/keyring` HTTP API (GET list, POST install, PUT use, DELETE remove, body {"Key": ...}), printing
// what `consul keyring` prints, or JSON with `-format=json`.

import type { Command } from 'commander';
import { decodeKey } from '../../gossip/keyring.js';
import { LatticeError } from '../../lib/errors.js';
import {
  addHttpOptions,
  type HttpClientOptions,
  type HttpOptionValues,
  requestHeaders,
  resolveHttpOptions,
} from '../http-options.js';

/** One pool's answer, as Consul's `api.KeyringResponse`. */
export interface KeyringResponse {
  readonly WAN: boolean;
  readonly Datacenter: string;
  readonly Segment?: string;
  readonly Messages?: Record<string, string> | null;
  readonly Keys?: Record<string, number> | null;
  readonly PrimaryKeys?: Record<string, number> | null;
  readonly NumNodes: number;
}

export class AgentHttpError extends LatticeError {
  override readonly name = 'AgentHttpError';
}

type KeyringAction = 'list' | 'install' | 'use' | 'remove';

const methodFor: Record<KeyringAction, string> = { list: 'GET', install: 'POST', use: 'PUT', remove: 'DELETE' };

const headlineFor: Record<KeyringAction, string> = {
  list: '==> Gathering installed encryption keys...',
  install: '==> Installing new gossip encryption key...',
  use: '==> Changing primary gossip encryption key...',
  remove: '==> Removing gossip encryption key...',
};

/** Sends one keyring request; AgentHttpError with an operator-friendly message on any failure. */
export async function callKeyringApi(
  target: HttpClientOptions,
  action: KeyringAction,
  key: string | undefined,
  options: { relayFactor?: number; localOnly?: boolean; signal?: AbortSignal } = {},
): Promise<KeyringResponse[] | null> {
  const url = new URL(`${target.baseUrl}/v1/operator/keyring`);
  if (options.relayFactor !== undefined) url.searchParams.set('relay-factor', String(options.relayFactor));
  if (options.localOnly) url.searchParams.set('local-only', 'true');
  const headers: Record<string, string> = { ...requestHeaders(target) };
  let body: string | undefined;
  if (key !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ Key: key });
  }
  let response: Response;
  try {
    response = await fetch(url, { method: methodFor[action], headers, body, signal: options.signal ?? null });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new AgentHttpError(
      'ERR_AGENT_UNREACHABLE',
      `cannot reach the agent at ${target.baseUrl} (${detail}); is \`lattice agent\` running? ` +
        'Set -http-addr or CONSUL_HTTP_ADDR to point at it',
      { cause: error },
    );
  }
  const text = await response.text();
  if (response.status === 501 || response.status === 404) {
    throw new AgentHttpError(
      'ERR_AGENT_KEYRING_UNSUPPORTED',
      `the agent at ${target.baseUrl} does not serve /v1/operator/keyring yet (HTTP ${response.status}); ` +
        'keyring operations need an agent with the operator API',
    );
  }
  if (!response.ok) {
    throw new AgentHttpError('ERR_AGENT_HTTP', `Unexpected response code: ${response.status} (${text.trim()})`);
  }
  if (action !== 'list') return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new TypeError('expected a JSON list');
    return parsed as KeyringResponse[];
  } catch (error) {
    throw new AgentHttpError('ERR_AGENT_HTTP', `the agent answered with an unreadable keyring list`, { cause: error });
  }
}

/**
 * Consul's keyring command prints every failed API call as "error: <err>" (c.UI.Error(fmt.Sprintf("error: %s",
 * err))) and exits 1: a cluster without gossip encryption reads "error: Unexpected response code: 500 (...)".
 */
export function asConsulKeyringError(error: unknown): unknown {
  if (!(error instanceof AgentHttpError)) return error;
  return new AgentHttpError(error.code, `error: ${error.message}`, { cause: error });
}

/** Human output for `-list`: one block per pool, `  key [holders/members]`. */
export function formatKeyringList(responses: readonly KeyringResponse[], primaryOnly = false): string {
  const lines: string[] = [];
  const ordered = [...responses].sort((a, b) => Number(b.WAN) - Number(a.WAN));
  for (const response of ordered) {
    let pool = `${response.Datacenter} (LAN)`;
    if (response.Segment) pool += ` [${response.Segment}]`;
    if (response.WAN) pool = 'WAN';
    lines.push('', `${pool}:`);
    const keys = (primaryOnly ? response.PrimaryKeys : response.Keys) ?? {};
    for (const [key, holders] of Object.entries(keys).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${key} [${holders}/${response.NumNodes}]`);
    }
    for (const [node, message] of Object.entries(response.Messages ?? {})) lines.push(`  ${node}: ${message}`);
  }
  return lines.join('\n');
}

interface KeyringFlags extends HttpOptionValues {
  list?: boolean;
  listPrimary?: boolean;
  install?: string;
  use?: string;
  remove?: string;
  relayFactor?: string;
  localOnly?: boolean;
  format: string;
}

/** Exactly one action; a key, when given, is checked locally first so a typo never reaches the cluster. */
export function chooseAction(flags: KeyringFlags): { action: KeyringAction; key?: string; primaryOnly: boolean } {
  const chosen: [KeyringAction, string | undefined][] = [];
  if (flags.list || flags.listPrimary) chosen.push(['list', undefined]);
  if (flags.install !== undefined) chosen.push(['install', flags.install]);
  if (flags.use !== undefined) chosen.push(['use', flags.use]);
  if (flags.remove !== undefined) chosen.push(['remove', flags.remove]);
  if (chosen.length !== 1) {
    throw new LatticeError('ERR_USAGE', 'exactly one of -list, -list-primary, -install, -use or -remove is required');
  }
  const [action, key] = chosen[0]!;
  if (key !== undefined) decodeKey(key);
  return key === undefined ? { action, primaryOnly: flags.listPrimary === true } : { action, key, primaryOnly: false };
}

export function registerKeyring(program: Command): void {
  const command = program
    .command('keyring')
    .description('Lists, installs, uses or removes gossip encryption keys on every member')
    .option('--list', 'lists the keys installed in the cluster')
    .option('--list-primary', 'lists the primary keys in use')
    .option('--install <key>', 'installs a new key on every member')
    .option('--use <key>', 'makes an installed key the primary on every member')
    .option('--remove <key>', 'removes a key from every member (not the primary)')
    .option('--relay-factor <n>', 'members that relay each response (0-5)')
    .option('--local-only', "lists only this agent's keys (with -list)")
    .option('--format <format>', 'output format: pretty or json', 'pretty');
  addHttpOptions(command).action(async (flags: KeyringFlags) => {
    const { action, key, primaryOnly } = chooseAction(flags);
    if (flags.format !== 'pretty' && flags.format !== 'json') {
      throw new LatticeError('ERR_USAGE', `unknown -format "${flags.format}" (use pretty or json)`);
    }
    const relayFactor = flags.relayFactor === undefined ? undefined : Number(flags.relayFactor);
    if (relayFactor !== undefined && !(Number.isInteger(relayFactor) && relayFactor >= 0 && relayFactor <= 5)) {
      throw new LatticeError('ERR_USAGE', '-relay-factor must be an integer from 0 to 5');
    }
    const pretty = flags.format === 'pretty';
    if (pretty) process.stdout.write(`${headlineFor[action]}\n`);
    const responses = await callKeyringApi(resolveHttpOptions(flags, process.env), action, key, {
      ...(relayFactor === undefined ? {} : { relayFactor }),
      ...(flags.localOnly ? { localOnly: true } : {}),
    }).catch((error: unknown) => {
      throw asConsulKeyringError(error);
    });
    if (responses === null) {
      if (!pretty) process.stdout.write(`${JSON.stringify({ Action: action, Key: key, Success: true })}\n`);
      return;
    }
    if (pretty) process.stdout.write(`${formatKeyringList(responses, primaryOnly)}\n`);
    else process.stdout.write(`${JSON.stringify(responses, null, 2)}\n`);
  });
}
