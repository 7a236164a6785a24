// The server port's listener (8300, as Consul's): one net.Server whose connections are told apart by their
// first byte. The framed Raft path's magic byte goes to `onFramed`; anything else is put back and handed to the
// gRPC server (votes, snapshots, the server RPC service, the gRPC Messages stream of older peers), which then
// runs its own TLS and HTTP/2 on it exactly as if it had accepted the socket itself.

import * as net from 'node:net';
import type { Logger } from '../../lib/log.js';
import { TransportError } from '../errors.js';
import { framedMagicByte } from './framed-protocol.js';
import { splitHostPort } from './host-port.js';

export interface SharedPortHandlers {
  /** A connection that opened with the magic byte; `firstChunk` is everything read so far, magic byte included. */
  readonly onFramed: (socket: net.Socket, firstChunk: Buffer) => void;
  readonly onGrpc: (socket: net.Socket) => void;
}

/** A peer that connects and says nothing is dropped after this, so a port scan cannot pile up sockets. */
const firstByteTimeoutMs = 10_000;

export class SharedPortListener {
  private readonly server: net.Server;
  /** Connections not yet handed to the gRPC server (which closes its own on shutdown). */
  private readonly ownSockets = new Set<net.Socket>();

  constructor(
    private readonly handlers: SharedPortHandlers,
    private readonly log: Logger,
  ) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.sniff(socket));
  }

  /** Listens on host:port (port 0 picks a free one) and resolves with the bound port. */
  async listen(bindAddress: string): Promise<number> {
    const { host, port } = splitHostPort(bindAddress);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => reject(bindFailure(bindAddress, error));
      this.server.once('error', onError);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (error) => this.log.warn({ err: error.message }, 'raft port listener error'));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Keeps a framed connection to be destroyed on close. */
  track(socket: net.Socket): void {
    this.ownSockets.add(socket);
    socket.once('close', () => this.ownSockets.delete(socket));
  }

  close(): void {
    this.server.close();
    for (const socket of this.ownSockets) socket.destroy();
    this.ownSockets.clear();
  }

  private sniff(socket: net.Socket): void {
    this.track(socket);
    socket.setTimeout(firstByteTimeoutMs, () => socket.destroy());
    socket.on('error', (error) => this.log.trace({ err: error.message }, 'raft port connection error'));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      if (chunk[0] === framedMagicByte) {
        this.handlers.onFramed(socket, chunk);
        return;
      }
      // The gRPC server owns it from here: TLS and HTTP/2 read the bytes put back before anything new.
      this.ownSockets.delete(socket);
      socket.unshift(chunk);
      this.handlers.onGrpc(socket);
    });
  }
}

/** The operator reads "cannot listen on 10.0.0.1:8300: address already in use", as for the HTTP port. */
function bindFailure(bindAddress: string, error: NodeJS.ErrnoException): TransportError {
  const reason =
    error.code === 'EADDRINUSE'
      ? 'address already in use'
      : error.code === 'EADDRNOTAVAIL'
        ? 'address not available on this host'
        : error.message;
  return new TransportError(`cannot listen on ${bindAddress}: ${reason}`, { cause: error });
}
