// The sending end's handshake on the framed Raft path: connect, say the magic and version, run TLS when the
// transport uses it (the same CA, client certificate and server-name check as the gRPC channel), wait for the
// server's ack. A peer that accepts the connection but closes it or answers anything else before the ack does
// not speak the framed path (older Lattice, only gRPC on 8300): the caller then uses the gRPC stream instead.

import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Clock } from '../../lib/clock.js';
import { framedHello } from './framed-protocol.js';
import { splitHostPort } from './host-port.js';
import type { RaftTlsConfig } from './tls.js';

export type FramedConnectResult =
  /** Handshake done: frames may be written. */
  | { readonly kind: 'ready'; readonly socket: net.Socket }
  /** The peer took the connection but did not ack: it does not speak the framed path (or refused our TLS). */
  | { readonly kind: 'unsupported'; readonly reason: string }
  /** No connection (peer down, or connecting timed out): retry later. */
  | { readonly kind: 'failed'; readonly reason: string };

/** Connect plus handshake within this, or the attempt fails (a black-holed peer must not stall the link). */
const connectTimeoutMs = 5_000;

export function connectFramed(address: string, tlsConfig: RaftTlsConfig, clock: Clock): Promise<FramedConnectResult> {
  let parsed: { host: string; port: number };
  try {
    parsed = splitHostPort(address);
  } catch (error) {
    return Promise.resolve({ kind: 'failed', reason: (error as Error).message });
  }
  const { host, port } = parsed;
  const raw = net.connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 10_000 });
  return new Promise((resolve) => {
    let connected = false;
    let socket: net.Socket = raw;
    let settled = false;
    // A peer that took the connection but never acks is treated as not speaking the path: gRPC may still reach
    // it, and a framed path that hangs must never keep the messages from getting through.
    const timer = clock.setTimer(connectTimeoutMs, () => notSpoken('no ack within the handshake timeout'));
    const finish = (result: FramedConnectResult): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      socket.off('data', onData);
      if (result.kind !== 'ready') {
        raw.destroy();
        socket.destroy();
      }
      resolve(result);
    };
    const notSpoken = (reason: string): void =>
      finish(connected ? { kind: 'unsupported', reason } : { kind: 'failed', reason });
    const hello = framedHello(tlsConfig.enabled);
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (!hello.subarray(0, received.byteLength).equals(received.subarray(0, hello.byteLength))) {
        notSpoken('peer answered the handshake with something else');
        return;
      }
      if (received.byteLength < hello.byteLength) return;
      // The server sends nothing after its ack, so nothing read here belongs to a later message.
      socket.pause();
      finish({ kind: 'ready', socket });
    };
    const listen = (stream: net.Socket): void => {
      stream.on('data', onData);
      stream.on('error', (error) => notSpoken(error.message));
      stream.once('close', () => notSpoken('peer closed the connection during the handshake'));
    };
    raw.once('connect', () => {
      connected = true;
      raw.write(hello);
      if (!tlsConfig.enabled) return;
      // The same checks as the gRPC channel (tls.ts): our CA, our certificate as client certificate, and the
      // server's certificate must name serverName when set, else the host we dialled.
      const expectedName = tlsConfig.serverName ?? host;
      socket = tls.connect({
        socket: raw,
        ca: Buffer.from(tlsConfig.caPem),
        cert: Buffer.from(tlsConfig.certPem),
        key: Buffer.from(tlsConfig.keyPem),
        // SNI may not carry an IP address (RFC 6066).
        ...(net.isIP(expectedName) ? {} : { servername: expectedName }),
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(expectedName, cert),
      });
      listen(socket);
    });
    listen(raw);
  });
}
