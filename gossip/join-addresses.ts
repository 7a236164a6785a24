// Turns join addresses ("host:port", "[v6]:port") into addresses the transport can dial, as memberlist's
// resolveAddr does before it push-pulls: an IP stays as it is; a name is looked up and every address it has is
// tried; a name that does not resolve fails the join with the resolver's error (memberlist: "Failed to resolve
// nosuch.invalid: lookup nosuch.invalid: no such host"), instead of a dial that can only time out unexplained.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Every address of a host name; rejects with the resolver's error (a `code` such as ENOTFOUND). */
export type LookupHost = (host: string) => Promise<readonly string[]>;

export const lookupAllAddresses: LookupHost = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

export interface ResolvedJoinAddresses {
  /** Dialable "ip:port" addresses, in the order given, without repeats. */
  readonly seeds: readonly string[];
  /** One sentence per address that did not resolve, in memberlist's words. */
  readonly failures: readonly string[];
}

/** Splits "host:port" or "[v6]:port"; null when there is no port to split off. */
function splitJoinAddress(address: string): { readonly host: string; readonly port: string } | null {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] as string };
  const plain = /^([^:]+):(\d+)$/.exec(address);
  return plain ? { host: plain[1] as string, port: plain[2] as string } : null;
}

const hostPort = (ip: string, port: string): string => (isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`);

/** Go's wording for resolver failures (net.DNSError): "no such host" for a name that does not exist. */
function resolverErrorText(host: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOTFOUND' || code === 'ENODATA') return `lookup ${host}: no such host`;
  if (code === 'EAI_AGAIN') return `lookup ${host}: temporary failure in name resolution`;
  return `lookup ${host}: ${error instanceof Error ? error.message : String(error)}`;
}

export async function resolveJoinAddresses(
  addresses: readonly string[],
  lookupHost: LookupHost,
): Promise<ResolvedJoinAddresses> {
  const seeds = new Set<string>();
  const failures: string[] = [];
  const answers = await Promise.all(
    addresses.map(async (address) => {
      const parts = splitJoinAddress(address);
      // An IP, or something the transport will refuse with its own reason: passed on unchanged.
      if (parts === null || isIP(parts.host) !== 0) return { address, ips: null, error: null };
      try {
        const ips = await lookupHost(parts.host);
        if (ips.length === 0) return { address, ips: null, error: { code: 'ENOTFOUND' } };
        return { address, ips: ips.map((ip) => hostPort(ip, parts.port)), error: null };
      } catch (error) {
        return { address, ips: null, error };
      }
    }),
  );
  for (const { address, ips, error } of answers) {
    if (error !== null) {
      const host = splitJoinAddress(address)?.host ?? address;
      failures.push(`Failed to resolve ${address}: ${resolverErrorText(host, error)}`);
    } else for (const seed of ips ?? [address]) seeds.add(seed);
  }
  return { seeds: [...seeds], failures };
}
