// The L4 relay, innermost handler: dial the cluster, then pipe bytes both ways without touching them until both
// sockets have closed. Half-closes pass through; idleness on either socket, an upstream error or the connection's
// signal ends it with a typed error for rescue.

import type { Socket } from 'node:net';
import type { Cluster } from '../cluster.js';
import { IdleTimeoutError, StreamError } from '../errors.js';
import type { ConnectionHandler, ProxyConnection } from '../filter-chain.js';

export interface RelayOptions {
  readonly idleTimeoutMs: number;
}

export function relay(cluster: Cluster, options: RelayOptions): ConnectionHandler {
  return async (connection) => {
    const upstream = await cluster.connect(connection.context, { signal: connection.signal });
    await pipeBoth(connection, upstream, options.idleTimeoutMs);
  };
}

function pipeBoth(connection: ProxyConnection, upstream: Socket, idleTimeoutMs: number): Promise<void> {
  const { downstream, signal, context } = connection;
  // Count on the plaintext side: the app's socket inbound, the caller's socket outbound.
  const plain = context.direction === 'inbound' ? upstream : downstream;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let closedSides = 0;
    const finish = (error: unknown | null) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      const fromCaller = context.direction === 'inbound' ? plain.bytesWritten : plain.bytesRead;
      const toCaller = context.direction === 'inbound' ? plain.bytesRead : plain.bytesWritten;
      context.counters.bytesIn = fromCaller;
      context.counters.bytesOut = toCaller;
      upstream.destroy();
      if (error === null) {
        downstream.destroy();
        resolve();
      } else reject(error);
    };
    const onAbort = () => finish(signal.reason);
    const onClose = () => {
      closedSides += 1;
      if (closedSides === 2) finish(null);
    };
    const onIdle = () => finish(new IdleTimeoutError(idleTimeoutMs));
    upstream.on('error', (error) => finish(new StreamError('upstream', { cause: error })));
    upstream.once('close', onClose);
    downstream.once('close', onClose);
    upstream.setTimeout(idleTimeoutMs, onIdle);
    downstream.setTimeout(idleTimeoutMs, onIdle);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) {
      onAbort();
      return;
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
}
