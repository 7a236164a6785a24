// Content checks for single string fields: addresses, the gossip key, identifiers. Each returns the message
// for a bad value or null; relations between fields live in validate-relations.ts.

import { isIP } from 'node:net';
import { parseLogLevel } from '../../lib/log.js';

export function checkIpAddress(value: string): string | null {
  if (value.includes('{{')) return `go-sockaddr templates are not supported yet, got ${JSON.stringify(value)}`;
  return isIP(value) === 0 ? `expected an IP address, got ${JSON.stringify(value)}` : null;
}

/** `client_addr` and `addresses.*` take a space-separated list of IPs, as Consul does. */
export function checkIpAddressList(value: string): string | null {
  const addresses = splitAddresses(value);
  if (addresses.length === 0) return 'expected one or more IP addresses separated by spaces, got ""';
  for (const address of addresses) {
    const problem = checkIpAddress(address);
    if (problem) return problem;
  }
  return null;
}

export function splitAddresses(value: string): string[] {
  return value.split(/\s+/).filter((part) => part !== '');
}

/** Gossip keys are AES keys: 16, 24 or 32 bytes, base64 encoded (`lattice keygen` makes 32). */
export function checkGossipKey(value: string): string | null {
  const decoded = Buffer.from(value, 'base64');
  const canonical = decoded.toString('base64');
  // Buffer.from ignores garbage silently; a round trip shows whether the text was base64 at all.
  if (value === '' || canonical.replace(/=+$/, '') !== value.replace(/=+$/, '')) return 'expected a base64-encoded key';
  if (![16, 24, 32].includes(decoded.length))
    return `expected a key of 16, 24 or 32 bytes, got ${decoded.length} bytes`;
  return null;
}

export function checkLogLevel(value: string): string | null {
  try {
    parseLogLevel(value);
    return null;
  } catch {
    return `expected one of TRACE, DEBUG, INFO, WARN, ERROR, got ${JSON.stringify(value)}`;
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(value: string): string | null {
  return uuidPattern.test(value)
    ? null
    : `expected a UUID such as "adf4238a-882b-9ddc-4a9d-5b6758e4159e", got ${JSON.stringify(value)}`;
}

/** Datacenter names appear in DNS names (`web.service.dc1.consul`), so they must be DNS labels. */
export function checkDatacenter(value: string): string | null {
  return /^[a-z0-9_-]+$/i.test(value) && value.length <= 63
    ? null
    : `expected letters, digits, "-" or "_" (it is part of DNS names), got ${JSON.stringify(value)}`;
}

/**
 * Join syntax Consul accepts that Lattice cannot honour yet: cloud auto-join (go-discover's `provider=aws ...`) and
 * go-sockaddr templates. Refused by name, because a join loop would otherwise retry them as host names forever.
 */
function unimplementedJoinSyntax(text: string, value: string): string | null {
  if (text.includes('{{')) return `go-sockaddr templates are not supported yet, got ${JSON.stringify(value)}`;
  if (/^provider=/.test(text) || /\sprovider=/.test(text))
    return `cloud auto-join (provider=...) is not implemented yet; list the servers' addresses instead, got ${JSON.stringify(value)}`;
  return null;
}

/**
 * A LAN join address (retry_join, start_join): anything Consul would dial, host names with "_" included, except
 * the syntax that is not implemented yet.
 */
export function checkLanJoinAddress(value: string): string | null {
  const text = value.trim();
  if (text === '') return 'must not be empty';
  const unimplemented = unimplementedJoinSyntax(text, value);
  if (unimplemented !== null) return unimplemented;
  // `host:port` (one colon, so not a bare IPv6 address): the port must be one, or every retry would dial
  // "[host:notaport]:8301" and fail without saying why.
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') === colon) {
    const port = text.slice(colon + 1);
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535)
      return `expected a port from 1 to 65535 after the colon, got ${JSON.stringify(value)}`;
  }
  return null;
}

/**
 * A join address (retry_join_wan, start_join_wan): a host name or IP, optionally with `:port` (IPv6 in brackets
 * when a port follows). Cloud auto-join (`provider=...`) and go-sockaddr templates are named as not implemented.
 */
export function checkJoinAddress(value: string): string | null {
  const text = value.trim();
  if (text === '') return 'must not be empty';
  const unimplemented = unimplementedJoinSyntax(text, value);
  if (unimplemented !== null) return unimplemented;
  if (/\s/.test(text)) return `expected one address (host or host:port), got ${JSON.stringify(value)}`;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
    if (isIP(host) !== 6) return `expected an IPv6 address inside brackets, got ${JSON.stringify(value)}`;
  } else if (isIP(text) === 6) {
    return null; // a bare IPv6 address: no port
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (isIP(host) === 0 && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(host))
    return `expected a host name or IP address (optionally with :port), got ${JSON.stringify(value)}`;
  if (port !== undefined && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535))
    return `expected a port from 1 to 65535 after the colon, got ${JSON.stringify(value)}`;
  return null;
}

export function checkNotEmpty(value: string): string | null {
  return value.trim() === '' ? 'must not be empty' : null;
}
