// The receiving end of the framed Raft path: after the magic byte, the version and mode bytes; then TLS when the transport
// uses it (a tls.Server that never listens, fed the socket, so client certificates are required and checked by
// Node exactly as on the gRPC side); then the ack; then frames, each decoded and handed to `acceptFrame` (which
// validates and counts). Bytes that cannot be a frame (oversize, not msgpack) end this connection only: the
// stream cannot be resynchronised, and the sender reconnects.

import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from '../../lib/log.js';
import { FrameReader, framedHello, framedHelloBytes, framedVersion, OversizeFrameError } from './framed-protocol.js';
import { decodeFrame, undecodableFrame } from './message-codec.js';
import type { RaftTlsConfig } from './tls.js';
import type { TransportCounters } from './transport.js';

export interface FramedInboundOptions {
  readonly tls: RaftTlsConfig;
  readonly frameSizeBytesMax: number;
  readonly counters: TransportCounters;
  readonly log: Logger;
  readonly acceptFrame: (frame: unknown) => void;
  /** Every socket this creates (the TLS one too) so the transport can destroy them on stop. */
  readonly track: (socket: net.Socket) => void;
}

/** The handshake (version, TLS) must finish within this, or the connection is dropped. */
const handshakeTimeoutMs = 10_000;

export class FramedInbound {
  private readonly tlsServer: tls.Server | null;

  constructor(private readonly options: FramedInboundOptions) {
    const config = options.tls;
    if (!config.enabled) {
      this.tlsServer = null;
      return;
    }
    this.tlsServer = tls.createServer({
      ca: Buffer.from(config.caPem),
      cert: Buffer.from(config.certPem),
      key: Buffer.from(config.keyPem),
      requestCert: config.verifyIncoming,
      rejectUnauthorized: config.verifyIncoming,
      handshakeTimeout: handshakeTimeoutMs,
    });
    this.tlsServer.on('secureConnection', (socket: tls.TLSSocket) => this.serve(socket));
    // A plaintext peer, a wrong certificate: this connection fails, nothing else.
    this.tlsServer.on('tlsClientError', (error, socket) => {
      options.log.debug({ err: error.message }, 'framed raft connection refused: TLS handshake failed');
      socket.destroy();
    });
  }

  /** Takes over a connection whose first bytes (`firstChunk`) start with the magic byte. */
  accept(socket: net.Socket, firstChunk: Buffer): void {
    socket.setTimeout(handshakeTimeoutMs, () => socket.destroy());
    const withVersion = (chunk: Buffer): void => {
      if (chunk.byteLength < framedHelloBytes) {
        // The rest of the hello came in a later read.
        socket.once('data', (more: Buffer) => withVersion(Buffer.concat([chunk, more])));
        socket.resume();
        return;
      }
      socket.pause();
      if (chunk[1] !== framedVersion) {
        // Closing without an ack makes a newer client fall back to gRPC, as it would against an older server.
        this.options.log.debug({ version: chunk[1] }, 'framed raft connection refused: unknown version');
        socket.destroy();
        return;
      }
      if (chunk[2] !== (this.tlsServer ? 1 : 0)) {
        this.options.log.debug(
          { remote: socket.remoteAddress },
          this.tlsServer
            ? 'framed raft connection refused: plaintext client, TLS required'
            : 'framed raft connection refused: TLS client, this server is plaintext',
        );
        socket.destroy();
        return;
      }
      const rest = chunk.subarray(framedHelloBytes);
      if (rest.byteLength > 0) socket.unshift(rest);
      // Our part of the handshake is done (TLS has its own timeout). A TLS socket reads the raw one through its
      // handle, so an idle timer left here would fire on a busy connection.
      socket.setTimeout(0);
      if (this.tlsServer) {
        // Node's TLS socket reads what was put back before anything new, so a ClientHello in `rest` is not lost.
        this.tlsServer.emit('connection', socket);
      } else {
        this.serve(socket);
      }
    };
    withVersion(firstChunk);
  }

  close(): void {
    this.tlsServer?.close();
  }

  private serve(socket: net.Socket): void {
    const { log, counters, acceptFrame, track } = this.options;
    track(socket);
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('error', (error) => log.trace({ err: error.message }, 'inbound framed raft connection ended'));
    const reader = new FrameReader(this.options.frameSizeBytesMax);
    const drop = (reason: string): void => {
      counters.invalidCount++;
      log.debug({ reason, remote: socket.remoteAddress }, 'framed raft connection closed: invalid frame');
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        if (!(error instanceof OversizeFrameError)) throw error;
        drop(error.message);
        return;
      }
      for (const bytes of frames) {
        const frame = decodeFrame(bytes);
        if (frame === undecodableFrame) {
          drop('frame is not msgpack');
          return;
        }
        acceptFrame(frame);
      }
    });
    socket.write(framedHello(this.tlsServer !== null));
    socket.resume();
  }
}
