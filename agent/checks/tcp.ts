// TCP check (Consul CheckTCP): passing when a connection to host:port opens within the timeout (with
// tcp_use_tls, when the TLS handshake completes), else critical.

import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe } from './types.js';

/** Splits `host:port` or `[v6]:port`. */
export function splitHostPort(address: string): { host: string; port: number } | null {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address.trim());
  if (!match) return null;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: match[1]!, port };
}

export function tcpProbe(definition: CheckDefinition): Probe {
  const address = definition.tcp ?? '';
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const target = splitHostPort(address);
      if (!target) {
        resolve({ status: 'critical', output: `invalid TCP address "${address}"` });
        return;
      }
      const socket = definition.tcpUseTls
        ? connectTls({
            host: target.host,
            port: target.port,
            rejectUnauthorized: !definition.tlsSkipVerify,
            ...(definition.tlsServerName ? { servername: definition.tlsServerName } : {}),
          })
        : connect({ host: target.host, port: target.port, signal });
      // tls.connect takes no signal: the timeout destroys the socket instead.
      const onAbort = (): void => {
        socket.destroy(new Error('timed out'));
      };
      if (definition.tcpUseTls) signal.addEventListener('abort', onAbort, { once: true });
      socket.once('close', () => signal.removeEventListener('abort', onAbort));
      socket.once(definition.tcpUseTls ? 'secureConnect' : 'connect', () => {
        socket.destroy();
        resolve({ status: 'passing', output: `TCP connect ${address}: Success` });
      });
      socket.once('error', (error) => {
        socket.destroy();
        const reason = signal.aborted ? 'timed out' : errorText(error);
        resolve({ status: 'critical', output: `dial tcp ${address}: ${reason}` });
      });
    });
}
