// Options shared by every command that talks to a running agent over HTTP, as in Consul's CLI: `-http-addr`
// (default 127.0.0.1:8500) and `-token`, else the environment. LATTICE_HTTP_ADDR / LATTICE_HTTP_TOKEN win over
// CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN, so Lattice and Consul can sit side by side on one machine.

import { type Command, InvalidArgumentError } from 'commander';

export const defaultHttpAddress = '127.0.0.1:8500';

export interface HttpClientOptions {
  /** `http://host:port` or `https://host:port`, without a trailing slash. */
  readonly baseUrl: string;
  /** Null when no token is configured (anonymous). */
  readonly token: string | null;
}

/** The commander values `addHttpOptions` declares. */
export interface HttpOptionValues {
  readonly httpAddr?: string;
  readonly token?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export function addHttpOptions(command: Command): Command {
  return command
    .option(
      '--http-addr <address>',
      `address of the agent's HTTP API, host:port or a URL (env LATTICE_HTTP_ADDR, CONSUL_HTTP_ADDR; default ${defaultHttpAddress})`,
      parseHttpAddress,
    )
    .option('--token <token>', 'ACL token for the request (env LATTICE_HTTP_TOKEN, CONSUL_HTTP_TOKEN)');
}

function parseHttpAddress(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected host:port or a URL');
  return value.trim();
}

/** Flag, then LATTICE_*, then CONSUL_*, then the default. Empty environment values count as unset. */
export function resolveHttpOptions(values: HttpOptionValues, env: Environment): HttpClientOptions {
  const pick = (...candidates: (string | undefined)[]): string | undefined =>
    candidates.find((candidate) => candidate !== undefined && candidate !== '');
  const address = pick(values.httpAddr, env['LATTICE_HTTP_ADDR'], env['CONSUL_HTTP_ADDR']) ?? defaultHttpAddress;
  return {
    baseUrl: toBaseUrl(address),
    token: pick(values.token, env['LATTICE_HTTP_TOKEN'], env['CONSUL_HTTP_TOKEN']) ?? null,
  };
}

function toBaseUrl(address: string): string {
  const withScheme = /^https?:\/\//i.test(address) ? address : `http://${address}`;
  return withScheme.replace(/\/+$/, '');
}

/** Headers for a request to the agent: the token travels as X-Consul-Token, as Consul's CLI sends it. */
export function requestHeaders(options: HttpClientOptions): Record<string, string> {
  return options.token === null ? {} : { 'X-Consul-Token': options.token };
}
