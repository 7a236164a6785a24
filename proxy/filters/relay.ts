// The L4 relay, innermost handler: dial the cluster, then move bytes both ways without touching them until both
// sockets have closed: each socket forwards its reads itself (forwarding-reader.ts); the accepted one is piped only
// on a Node where its reads cannot be taken over.
// Half-closes pass through; idleness on either socket, an upstream error or the connection's signal ends it with a
// typed error for rescue.

import type { Socket } from 'node:net';
import type { Clock, Timer } from '../../lib/clock.js';
import type { Cluster } from '../cluster.js';
import { IdleTimeoutError, StreamError } from '../errors.js';
import type { ConnectionHandler, ProxyConnection } from '../filter-chain.js';
import { ForwardingReader } from '../forwarding-reader.js';

export interface RelayOptions {
  readonly idleTimeoutMs: number;
  readonly clock: Clock;
}

export function relay(cluster: Cluster, options: RelayOptions): ConnectionHandler {
  return async (connection) => {
    const reader = new ForwardingReader();
    const upstream = await cluster.connect(connection.context, {
      signal: connection.signal,
      onread: () => reader.onreadForDial(),
    });
    await pipeBoth(connection, upstream, reader, options);
  };
}

function pipeBoth(
  connection: ProxyConnection,
  upstream: Socket,
  reader: ForwardingReader,
  options: RelayOptions,
): Promise<void> {
  const { idleTimeoutMs, clock } = options;
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
      idleTimer?.cancel();
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
    // Idleness is sampled, not tracked per chunk: socket.setTimeout re-arms a timer on every read and write, which
    // cost a quarter of the relay's CPU in bench/proxy-pair. A connection is closed after one to two idle periods.
    let idleTimer: Timer | null = null;
    let bytesSeen = plain.bytesRead + plain.bytesWritten;
    const armIdleCheck = (): Timer =>
      clock.setTimer(idleTimeoutMs, () => {
        const bytes = plain.bytesRead + plain.bytesWritten;
        if (bytes === bytesSeen) finish(new IdleTimeoutError(idleTimeoutMs));
        else {
          bytesSeen = bytes;
          idleTimer = armIdleCheck();
        }
      });
    upstream.on('error', (error) => finish(new StreamError('upstream', { cause: error })));
    upstream.once('close', onClose);
    downstream.once('close', onClose);
    idleTimer = armIdleCheck();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) {
      onAbort();
      return;
    }
    // The caller may have gone (or half-closed) while the upstream was dialled; pipe would never see that end.
    if (downstream.destroyed) {
      finish(null);
      return;
    }
    reader.attach(upstream, downstream);
    if (new ForwardingReader().takeOver(downstream, upstream)) {
      if (downstream.readableEnded) upstream.end();
      else downstream.once('end', () => upstream.end());
    } else {
      downstream.pipe(upstream);
      if (downstream.readableEnded) upstream.end();
    }
    if (upstream.readableEnded) downstream.end();
    else upstream.once('end', () => downstream.end());
  });
}
