// Options shared by every command that talks to a running agent over HTTP, as Consul's command/flags/http.go
// defines them. Client flags on every such command: `-http-addr` (default 127.0.0.1:8500), `-token`, `-token-file`
// (its trimmed contents win over -token, as Consul's api.NewClient; env CONSUL_HTTP_TOKEN_FILE), and the TLS
// flags `-ca-file`, `-ca-path`, `-client-cert`, `-client-key`, `-tls-server-name`. Server flags (`-datacenter`) on
// the commands that merge Consul's ServerFlags: all but the agent-local ones (members, join, leave, force-leave,
// info, reload, monitor, maint, keyring, debug). The environment fills what no flag gives: LATTICE_HTTP_ADDR /
// LATTICE_HTTP_TOKEN win over CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN, so Lattice and Consul can sit side by side;
// CONSUL_HTTP_SSL=true makes a bare host:port https; CONSUL_CACERT, CONSUL_CAPATH, CONSUL_CLIENT_CERT,
// CONSUL_CLIENT_KEY and CONSUL_TLS_SERVER_NAME back the TLS flags.
// -datacenter travels as ?dc= on every request, as Consul's api client adds it to each one (agentUrl). The TLS
// settings only matter for an https address, as in Consul; Lattice agents do not serve HTTPS yet, so TLS settings
// with an https address are refused with a clear error instead of being silently ignored.

import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { LatticeError } from '../lib/errors.js';

export const defaultHttpAddress = '127.0.0.1:8500';

export interface HttpClientOptions {
  /** `http://host:port` or `https://host:port`, without a trailing slash. */
  readonly baseUrl: string;
  /** Null when no token is configured (anonymous). */
  readonly token: string | null;
  /** `-datacenter`: sent as ?dc= on every request; absent for the agent's own datacenter. */
  readonly datacenter?: string;
}

/** The commander values `addHttpOptions` declares. */
export interface HttpOptionValues {
  readonly httpAddr?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly datacenter?: string;
  readonly caFile?: string;
  readonly caPath?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly tlsServerName?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Top-level commands that merge only Consul's ClientFlags: they ask the local agent, never a datacenter. */
const clientFlagsOnly: ReadonlySet<string> = new Set([
  'members',
  'join',
  'leave',
  'force-leave',
  'info',
  'reload',
  'monitor',
  'maint',
  'keyring',
  'debug',
]);

function topLevelName(command: Command): string {
  let current = command;
  while (current.parent?.parent) current = current.parent;
  return current.name();
}

export function addHttpOptions(command: Command): Command {
  command
    .option(
      '--http-addr <address>',
      `address of the agent's HTTP API, host:port or a URL (env LATTICE_HTTP_ADDR, CONSUL_HTTP_ADDR; default ${defaultHttpAddress})`,
      parseHttpAddress,
    )
    .option('--token <token>', 'ACL token for the request (env LATTICE_HTTP_TOKEN, CONSUL_HTTP_TOKEN)')
    .option('--token-file <path>', 'file holding the ACL token; wins over -token (env CONSUL_HTTP_TOKEN_FILE)')
    .option('--ca-file <path>', 'CA file for TLS to the agent (env CONSUL_CACERT)')
    .option('--ca-path <dir>', 'directory of CA certificates for TLS to the agent (env CONSUL_CAPATH)')
    .option('--client-cert <path>', 'client certificate for TLS to the agent (env CONSUL_CLIENT_CERT)')
    .option('--client-key <path>', 'client key for TLS to the agent (env CONSUL_CLIENT_KEY)')
    .option('--tls-server-name <name>', 'SNI host name for TLS to the agent (env CONSUL_TLS_SERVER_NAME)');
  // Commands that define -datacenter themselves (catalog, operator, snapshot, watch) keep their own.
  const hasDatacenter = command.options.some((option) => option.long === '--datacenter');
  if (!hasDatacenter && !clientFlagsOnly.has(topLevelName(command))) {
    command.option('--datacenter <dc>', "name of the datacenter to query (default: the agent's)");
  }
  return command;
}

function parseHttpAddress(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected host:port or a URL');
  return value.trim();
}

/** Go's strconv.ParseBool, as Consul's api reads CONSUL_HTTP_SSL. */
function parseGoBool(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return null;
}

const tlsSettings = [
  ['caFile', '-ca-file', 'CONSUL_CACERT'],
  ['caPath', '-ca-path', 'CONSUL_CAPATH'],
  ['clientCert', '-client-cert', 'CONSUL_CLIENT_CERT'],
  ['clientKey', '-client-key', 'CONSUL_CLIENT_KEY'],
  ['tlsServerName', '-tls-server-name', 'CONSUL_TLS_SERVER_NAME'],
] as const;

/** The agent's HTTPS API is not implemented: TLS settings for an https address would otherwise be ignored. */
export class HttpsNotImplementedError extends LatticeError {
  override readonly name = 'HttpsNotImplementedError';
  constructor(settings: readonly string[]) {
    super(
      'ERR_NOT_IMPLEMENTED',
      `HTTPS is not implemented yet: Lattice agents serve their HTTP API over plain http only, so ${settings.join(', ')} ` +
        'cannot be honoured for an https address. Use an http:// address (and unset CONSUL_HTTP_SSL) instead',
    );
  }
}

/** Flag, then LATTICE_*, then CONSUL_*, then the default. Empty environment values count as unset. */
export function resolveHttpOptions(values: HttpOptionValues, env: Environment): HttpClientOptions {
  const pick = (...candidates: (string | undefined)[]): string | undefined =>
    candidates.find((candidate) => candidate !== undefined && candidate !== '');
  const address = pick(values.httpAddr, env['LATTICE_HTTP_ADDR'], env['CONSUL_HTTP_ADDR']) ?? defaultHttpAddress;
  const ssl = parseGoBool(pick(env['LATTICE_HTTP_SSL'], env['CONSUL_HTTP_SSL'])) === true;
  const baseUrl = toBaseUrl(address, ssl);
  if (baseUrl.startsWith('https://')) {
    const given = tlsSettings
      .filter(([key, , variable]) => pick(values[key], env[variable]) !== undefined)
      .map(([key, flag, variable]) => (pick(values[key]) !== undefined ? flag : variable));
    if (given.length > 0) throw new HttpsNotImplementedError(given);
  }
  const datacenter = pick(values.datacenter);
  const tokenFile = pick(values.tokenFile, env['LATTICE_HTTP_TOKEN_FILE'], env['CONSUL_HTTP_TOKEN_FILE']);
  const fromFile = tokenFile === undefined ? undefined : pick(readTokenFile(tokenFile));
  return {
    baseUrl,
    token: fromFile ?? pick(values.token, env['LATTICE_HTTP_TOKEN'], env['CONSUL_HTTP_TOKEN']) ?? null,
    ...(datacenter === undefined ? {} : { datacenter }),
  };
}

/** Consul's api.NewClient: the token file's trimmed contents replace -token; an unreadable file is an error. */
function readTokenFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new LatticeError(
      'ERR_USAGE',
      `Error connecting to Consul agent: Error loading token file: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function toBaseUrl(address: string, ssl: boolean): string {
  const withScheme = /^https?:\/\//i.test(address) ? address : `${ssl ? 'https' : 'http'}://${address}`;
  return withScheme.replace(/\/+$/, '');
}

/** Headers for a request to the agent: the token travels as X-Consul-Token, as Consul's CLI sends it. */
export function requestHeaders(options: HttpClientOptions): Record<string, string> {
  return options.token === null ? {} : { 'X-Consul-Token': options.token };
}

/** The request URL: path, query, and -datacenter as ?dc= unless the command set dc itself (Consul's newRequest). */
export function agentUrl(
  options: HttpClientOptions,
  path: string,
  query: readonly (readonly [string, string])[] = [],
): URL {
  const url = new URL(`${options.baseUrl}${path}`);
  for (const [key, value] of query) url.searchParams.append(key, value);
  if (options.datacenter !== undefined && !url.searchParams.has('dc')) url.searchParams.set('dc', options.datacenter);
  return url;
}
