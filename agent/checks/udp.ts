// UDP check (Consul CheckUDP): sends one datagram; an answer or silence until the timeout is passing (UDP gives
// no proof of life), an ICMP "port unreachable" (ECONNREFUSED on a connected socket) or send error is critical.

import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { CheckDefinition } from '../config/types.js';
import { splitHostPort } from './tcp.js';
import { type CheckResult, errorText, type Probe } from './types.js';

export function udpProbe(definition: CheckDefinition): Probe {
  const address = definition.udp ?? '';
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const target = splitHostPort(address);
      if (!target) {
        resolve({ status: 'critical', output: `invalid UDP address "${address}"` });
        return;
      }
      const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
      let settled = false;
      const finish = (result: CheckResult): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        socket.close();
        resolve(result);
      };
      const onAbort = (): void =>
        finish({ status: 'passing', output: `UDP ${address}: no answer within the timeout (passing)` });
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (error) => finish({ status: 'critical', output: `UDP ${address}: ${errorText(error)}` }));
      socket.on('message', () => finish({ status: 'passing', output: `UDP ${address}: Success` }));
      socket.connect(target.port, target.host, () => {
        socket.send(Buffer.from('ping'), (error) => {
          if (error) finish({ status: 'critical', output: `UDP ${address}: ${errorText(error)}` });
        });
      });
    });
}
