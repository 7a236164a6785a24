// A listener: one bound socket server whose accepted connections each run the listener's filter chain. It tracks
// open connections (for limits, revocation and stop) and owns the per-listener counters.

import type { AddressInfo, Server, Socket } from 'node:net';
import type { Clock } from '../lib/clock.js';
import { TypedEmitter } from '../lib/emitter.js';
import { ShutdownError } from '../lib/errors.js';
import type { AbortOptions, Startable } from '../lib/lifecycle.js';
import { LifecycleState } from '../lib/lifecycle.js';
import { ListenerStats, newCounters } from './counters.js';
import { PROXY_DEFAULTS } from './defaults.js';
import { StreamError } from './errors.js';
import type { ConnectionContext, ConnectionHandler, Direction, Downstream, ProxyConnection } from './filter-chain.js';
import { MuxStream } from './mux/stream.js';

export interface ListenerConfig {
  readonly name: string;
  readonly direction: Direction;
  readonly service: string;
  readonly destination: string;
  readonly bindAddress: string;
  /** 0 binds a free port; `address()` tells which. */
  readonly bindPort: number;
  /** Open proxied connections; the connection-limit filter refuses beyond it. */
  readonly connectionsMax: number;
  /** Accepted sockets not yet proxied (TLS handshakes) on top of connectionsMax. */
  readonly handshakesInFlightMax: number;
}

export interface ListenerComponents {
  readonly clock: Clock;
  /** Builds the server; it must call `accept` for each connection ready to proxy (after TLS, for TLS servers). */
  readonly createServer: (accept: (socket: Socket) => void) => Server;
  /** The whole chain, rescue outermost. */
  readonly handler: ConnectionHandler;
}

interface OpenConnection {
  readonly connection: ProxyConnection;
  readonly controller: AbortController;
  /** Settles when the chain has finished with the connection; rescue means it never rejects. */
  done: Promise<void>;
}

let nextConnectionId = 1;

export class Listener implements Startable {
  readonly stats = new ListenerStats();
  /** Every finished connection with its counters: the feed for access logs and per-connection metrics. */
  private readonly ended = new TypedEmitter<{ end: ConnectionContext }>();
  private readonly lifecycle = new LifecycleState();
  private readonly open = new Set<OpenConnection>();
  /** Every accepted TCP socket, including TLS ones still in their handshake, so stop can end them all. */
  private readonly sockets = new Set<Socket>();
  /** Connections that are multiplexed sessions carrying streams: their streams count as the open connections. */
  private readonly carriers = new Set<ConnectionContext>();
  private server: Server | null = null;

  constructor(
    private readonly components: ListenerComponents,
    readonly config: ListenerConfig,
  ) {}

  async start(_options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.start(async () => {
      const server = this.components.createServer((socket) => this.accept(socket));
      this.server = server;
      // Beyond the proxied connections, a bounded number may be mid-handshake; Node drops the rest at accept.
      server.maxConnections = this.config.connectionsMax + this.config.handshakesInFlightMax;
      server.on('drop', () => this.stats.dropped());
      server.on('connection', (socket: Socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(
          { port: this.config.bindPort, host: this.config.bindAddress, backlog: PROXY_DEFAULTS.listenBacklog },
          () => {
            server.off('error', reject);
            resolve();
          },
        );
      });
    });
  }

  async stop(_options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.stop(async () => {
      const server = this.server;
      const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      for (const entry of this.open) entry.controller.abort(new ShutdownError('listener stopping'));
      await Promise.all([...this.open].map((entry) => entry.done));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    });
  }

  address(): { address: string; port: number } {
    const info = this.server?.address() as AddressInfo | null | undefined;
    if (!info) throw new Error(`listener ${this.config.name} is not bound`);
    return { address: info.address, port: info.port };
  }

  onConnectionEnd(listener: (context: ConnectionContext) => void): () => void {
    return this.ended.on('end', listener);
  }

  openCount(): number {
    return this.open.size - this.carriers.size;
  }

  /** Open connections, with a way to end one through the chain (the reason reaches rescue as the error). */
  *connections(): Iterable<{ readonly context: ConnectionContext; end(reason: Error): void }> {
    for (const entry of this.open) {
      yield { context: entry.connection.context, end: (reason) => entry.controller.abort(reason) };
    }
  }

  /**
   * A stream a peer opened inside one of this listener's connections (a multiplexed session): run through the same
   * chain and counted, revoked and stopped like an accepted connection.
   */
  acceptStream(stream: MuxStream, session: ConnectionContext): void {
    if (!this.lifecycle.isRunning()) {
      stream.destroy();
      return;
    }
    if (!this.carriers.has(session)) {
      // From its first stream on, a session is transport: its streams are what the counters count.
      this.carriers.add(session);
      this.stats.carrying();
    }
    this.run(stream, session.remoteAddress);
  }

  private accept(socket: Socket): void {
    if (!this.lifecycle.isRunning()) {
      socket.destroy();
      return;
    }
    this.run(socket, `${socket.remoteAddress}:${socket.remotePort}`);
  }

  private run(downstream: Downstream, remoteAddress: string): void {
    const controller = new AbortController();
    if (!(downstream instanceof MuxStream)) {
      // Before the relay owns the socket an error would be unhandled; afterwards it ends the relay the same way.
      downstream.on('error', (error) => controller.abort(new StreamError('downstream', { cause: error })));
    }
    const context: ConnectionContext = {
      id: nextConnectionId++,
      listener: this.config.name,
      direction: this.config.direction,
      service: this.config.service,
      destination: this.config.destination,
      remoteAddress,
      source: null,
      sourceNamespace: null,
      peerUri: null,
      endpoint: null,
      counters: newCounters(this.components.clock.nowMs()),
    };
    const connection: ProxyConnection = { downstream, context, signal: controller.signal };
    this.stats.opened();
    // Registered before the chain runs, so the limit filter's count includes this connection.
    const entry: OpenConnection = {
      connection,
      controller,
      done: Promise.resolve(),
    };
    this.open.add(entry);
    entry.done = this.components.handler(connection).finally(() => {
      this.open.delete(entry);
      if (!downstream.destroyed) downstream.destroy();
      if (this.carriers.delete(context)) return;
      context.counters.durationMs = this.components.clock.nowMs() - context.counters.startedMs;
      this.stats.closed(context.counters);
      this.ended.emit('end', context);
    });
  }
}
