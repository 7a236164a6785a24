// The L4 relay, innermost handler: dial the cluster, then move bytes both ways without touching them until both
// sockets have closed: each socket forwards its reads itself (forwarding-reader.ts); the accepted one is piped only
// on a Node where its reads cannot be taken over. When either end is a stream of a multiplexed session (mux/), the
// stream carries the plain socket on its side instead: the caller's socket when the upstream cluster gave a stream,
// the app's socket when the connection is itself a stream the peer opened.
// Half-closes pass through; idleness on either socket, an upstream error or the connection's signal ends it with a
// typed error for rescue.

import type { Socket } from 'node:net';
import type { Clock, Timer } from '../../lib/clock.js';
import type { Cluster } from '../cluster.js';
import { IdleTimeoutError, StreamError } from '../errors.js';
import type { ConnectionContext, ConnectionHandler, ProxyConnection } from '../filter-chain.js';
import { ForwardingReader } from '../forwarding-reader.js';
import { MuxStream } from '../mux/stream.js';

export interface RelayOptions {
  readonly idleTimeoutMs: number;
  readonly clock: Clock;
}

export function relay(cluster: Cluster, options: RelayOptions): ConnectionHandler {
  return async (connection) => {
    const { downstream, context, signal } = connection;
    if (downstream instanceof MuxStream) {
      const app = await cluster.connect(context, { signal, onread: () => downstream.onreadOptions() });
      if (app instanceof MuxStream) throw new Error(`cluster ${cluster.name} gave a stream for a stream`);
      await carryStream(connection, downstream, app, false, options);
      return;
    }
    const reader = new ForwardingReader();
    const upstream = await cluster.connect(context, { signal, onread: () => reader.onreadForDial() });
    if (upstream instanceof MuxStream) {
      await carryStream(connection, upstream, downstream, true, options);
      return;
    }
    await pipeBoth(connection, downstream, upstream, reader, options);
  };
}

/** Bytes counted on the plaintext socket: the app's inbound, the caller's outbound. */
function countBytes(context: ConnectionContext, plain: Socket): void {
  const inbound = context.direction === 'inbound';
  context.counters.bytesIn = inbound ? plain.bytesWritten : plain.bytesRead;
  context.counters.bytesOut = inbound ? plain.bytesRead : plain.bytesWritten;
}

/**
 * Idleness is sampled, not tracked per chunk: socket.setTimeout re-arms a timer on every read and write, which cost
 * a quarter of the relay's CPU in bench/proxy-pair. A connection is closed after one to two idle periods.
 */
function watchIdle(plain: Socket, options: RelayOptions, onIdle: (error: Error) => void): Timer {
  let bytesSeen = plain.bytesRead + plain.bytesWritten;
  let timer: Timer;
  const arm = (): Timer =>
    options.clock.setTimer(options.idleTimeoutMs, () => {
      const bytes = plain.bytesRead + plain.bytesWritten;
      if (bytes === bytesSeen) onIdle(new IdleTimeoutError(options.idleTimeoutMs));
      else {
        bytesSeen = bytes;
        timer = arm();
      }
    });
  timer = arm();
  return { cancel: () => timer.cancel() };
}

/** A plain socket carried by a mux stream until the stream has finished; failures reach rescue as errors. */
function carryStream(
  connection: ProxyConnection,
  stream: MuxStream,
  plain: Socket,
  accepted: boolean,
  options: RelayOptions,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = endOnce(connection, plain, options, (error) => {
      if (error === null) resolve();
      else {
        stream.destroy(error instanceof Error ? error : new Error(String(error)));
        reject(error);
      }
    });
    if (connection.signal.aborted) {
      finish(connection.signal.reason);
      plain.destroy();
      return;
    }
    stream.bind(plain, accepted).then(
      () => finish(null),
      (error: unknown) => finish(error),
    );
  });
}

/**
 * The one way a relay ends: at most once, on `finish`, the connection's abort or the plain socket's idleness; the
 * abort listener and the idle watch go, the bytes are counted, then `done` settles the relay.
 */
function endOnce(
  connection: ProxyConnection,
  plain: Socket,
  options: RelayOptions,
  done: (error: unknown | null) => void,
): (error: unknown | null) => void {
  const { signal, context } = connection;
  let settled = false;
  const finish = (error: unknown | null) => {
    if (settled) return;
    settled = true;
    signal.removeEventListener('abort', onAbort);
    idle.cancel();
    countBytes(context, plain);
    done(error);
  };
  const onAbort = () => finish(signal.reason);
  const idle = watchIdle(plain, options, finish);
  signal.addEventListener('abort', onAbort, { once: true });
  return finish;
}

function pipeBoth(
  connection: ProxyConnection,
  downstream: Socket,
  upstream: Socket,
  reader: ForwardingReader,
  options: RelayOptions,
): Promise<void> {
  // Count on the plaintext side: the app's socket inbound, the caller's socket outbound.
  const plain = connection.context.direction === 'inbound' ? upstream : downstream;
  return new Promise<void>((resolve, reject) => {
    let closedSides = 0;
    const finish = endOnce(connection, plain, options, (error) => {
      upstream.destroy();
      if (error === null) {
        downstream.destroy();
        resolve();
      } else reject(error);
    });
    const onClose = () => {
      closedSides += 1;
      if (closedSides === 2) finish(null);
    };
    upstream.on('error', (error) => finish(new StreamError('upstream', { cause: error })));
    upstream.once('close', onClose);
    downstream.once('close', onClose);
    if (connection.signal.aborted) {
      finish(connection.signal.reason);
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
