// A service's public listener: TLS requiring a client certificate (verification is ours, in verify-peer), then
// intentions, then a relay to the local app, or, for a Lattice sidecar that chose `lattice-mux/1`, a multiplexed
// session whose streams each take the same path. Leaf and root changes swap the server's SecureContext without
// touching open connections; an intention change ends open connections it now denies (when configured).

import type { Server, Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { IntentionTable } from '../connect/index.js';
import type { Clock } from '../lib/clock.js';
import type { AbortOptions, Startable } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import { LocalAppCluster } from './cluster.js';
import type { ServiceCredentials } from './credentials.js';
import { PROXY_DEFAULTS } from './defaults.js';
import { IntentionRevokedError } from './errors.js';
import { type ConnectionHandler, chain } from './filter-chain.js';
import { authorize, decideConnection } from './filters/authorize.js';
import { connectionLimit } from './filters/connection-limit.js';
import { relay } from './filters/relay.js';
import { verifyPeer } from './filters/verify-peer.js';
import { Listener } from './listener.js';
import { chooseAlpn, isMuxSession, serveSession } from './mux/serve.js';
import { rescue } from './rescue.js';
import type { Watched } from './source.js';

export interface InboundConfig {
  readonly service: string;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly localServiceAddress: string;
  readonly localServicePort: number;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly connectionsMax: number;
  readonly closeRevokedConnections: boolean;
}

export interface InboundComponents {
  readonly clock: Clock;
  readonly log: Logger;
  readonly credentials: ServiceCredentials;
  readonly intentions: Watched<IntentionTable>;
}

export class InboundListener implements Startable {
  readonly listener: Listener;
  private server: TlsServer | null = null;
  private readonly unsubscribes: (() => void)[] = [];

  constructor(
    private readonly components: InboundComponents,
    private readonly config: InboundConfig,
  ) {
    const cluster = new LocalAppCluster(components.clock, {
      name: `local_app:${config.service}`,
      address: config.localServiceAddress,
      port: config.localServicePort,
      connectTimeoutMs: config.connectTimeoutMs,
    });
    const relayToApp = relay(cluster, { idleTimeoutMs: config.idleTimeoutMs, clock: components.clock });
    // A multiplexed session runs the chain once for the connection and then once per stream (mux/serve.ts).
    const relayOrServe: ConnectionHandler = (connection) =>
      isMuxSession(connection)
        ? serveSession(connection, (stream, session) => this.listener.acceptStream(stream, session))
        : relayToApp(connection);
    const handler = chain(relayOrServe, [
      rescue(components.log),
      connectionLimit(() => this.listener.openCount(), config.connectionsMax),
      verifyPeer(components.credentials, components.clock),
      authorize(() => components.intentions.current()),
    ]);
    this.listener = new Listener(
      { clock: components.clock, handler, createServer: (accept) => this.createServer(accept) },
      {
        name: `public_listener:${config.service}`,
        direction: 'inbound',
        service: config.service,
        destination: config.service,
        bindAddress: config.bindAddress,
        bindPort: config.bindPort,
        connectionsMax: config.connectionsMax,
        handshakesInFlightMax: PROXY_DEFAULTS.handshakesInFlightMax,
      },
    );
  }

  async start(options: AbortOptions = {}): Promise<void> {
    this.unsubscribes.push(
      // New handshakes use the new leaf and roots; established connections keep theirs.
      this.components.credentials.onChange((snapshot) => this.server?.setSecureContext(snapshot.tlsOptions)),
      this.components.intentions.onChange((table) => this.revoke(table)),
    );
    await this.listener.start(options);
  }

  async stop(options: AbortOptions = {}): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    await this.listener.stop(options);
    this.components.intentions.close();
  }

  private createServer(accept: (socket: Socket) => void): Server {
    const server = createTlsServer({
      ...this.components.credentials.current().tlsOptions,
      requestCert: true,
      // The chain is checked by verifyPeerChain against the roots of the moment, with our error types.
      rejectUnauthorized: false,
      handshakeTimeout: this.config.handshakeTimeoutMs,
      allowHalfOpen: true,
      noDelay: true,
      ALPNCallback: chooseAlpn,
    });
    server.on('secureConnection', accept);
    server.on('tlsClientError', (error) => {
      this.listener.stats.handshakeFailures += 1;
      this.components.log.debug({ err: error, service: this.config.service }, 'inbound TLS handshake failed');
    });
    this.server = server;
    return server;
  }

  private revoke(table: IntentionTable): void {
    if (!this.config.closeRevokedConnections) return;
    for (const open of this.listener.connections()) {
      if (open.context.source === null) continue;
      const decision = decideConnection(table, open.context);
      if (!decision.allowed) {
        open.end(new IntentionRevokedError(open.context.source, open.context.destination, decision.reason));
      }
    }
  }
}
