// H2 ping check (Consul CheckH2PING): opens an HTTP/2 connection to host:port (TLS with h2ping_use_tls, else
// prior-knowledge cleartext) and sends one PING frame; an answer is passing, anything else critical.

import http2 from 'node:http2';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe } from './types.js';

export function h2pingProbe(definition: CheckDefinition): Probe {
  const address = definition.h2ping ?? '';
  const authority = `${definition.h2pingUseTls ? 'https' : 'http'}://${address}`;
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      let settled = false;
      const session = http2.connect(authority, {
        ...(definition.h2pingUseTls
          ? {
              rejectUnauthorized: !definition.tlsSkipVerify,
              ...(definition.tlsServerName ? { servername: definition.tlsServerName } : {}),
            }
          : {}),
      });
      const finish = (result: CheckResult): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        session.destroy();
        resolve(result);
      };
      const onAbort = (): void => finish({ status: 'critical', output: `HTTP2 ping ${address}: timed out` });
      signal.addEventListener('abort', onAbort, { once: true });
      session.on('error', (error) =>
        finish({ status: 'critical', output: `HTTP2 ping ${address}: ${errorText(error)}` }),
      );
      session.on('connect', () => {
        session.ping((error, durationMs) => {
          if (error) finish({ status: 'critical', output: `HTTP2 ping ${address}: ${errorText(error)}` });
          else finish({ status: 'passing', output: `HTTP2 ping was successful (${durationMs.toFixed(3)} ms)` });
        });
      });
    });
}
