// Raft addresses are "host:port" (IPv6 as "[::1]:port"), as Consul's server addresses.

import { TransportError } from '../errors.js';

/** "host:port" or "[v6]:port" into the parts net.listen and net.connect take (no brackets). */
export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || address.slice(colon + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TransportError(`invalid address ${JSON.stringify(address)}: expected host:port`);
  }
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}
