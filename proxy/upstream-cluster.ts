// An upstream's endpoints as one cluster: pick a healthy endpoint (balancer.ts), dial it with mTLS using the calling
// service's leaf and the target's SNI, verify the server is the expected service under the current roots, and on a
// failed dial try another endpoint while retry.ts allows. TLS sessions are cached per endpoint and resumed. With
// multiplexing on (the default), a connection to an endpoint that speaks `lattice-mux/1` is a stream of the one
// verified session kept to it (mux/pool.ts), so most connections cost no dial and their requests share writes.

import type { OnReadOpts, Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { serviceSni } from '../connect/sni.js';
import { verifyPeerChain } from '../connect/verify.js';
import type { Clock } from '../lib/clock.js';
import { findCause } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { type BalancerPolicy, pick } from './balancer.js';
import type { Cluster, ClusterConnectOptions } from './cluster.js';
import type { ServiceCredentials } from './credentials.js';
import { dial } from './dial.js';
import {
  ConnectTimeoutError,
  CredentialsUnavailableError,
  NoHealthyEndpointError,
  PeerRejectedError,
} from './errors.js';
import type { ConnectionContext } from './filter-chain.js';
import { MUX_ALPN } from './mux/frames.js';
import { MuxPool } from './mux/pool.js';
import { MuxStream } from './mux/stream.js';
import { peerChainDer } from './peer-chain.js';
import { type DialFailure, shouldRetryConnect } from './retry.js';
import { SessionCache } from './session-cache.js';
import type { UpstreamEndpoint, Watched } from './source.js';

export interface UpstreamClusterConfig {
  readonly name: string;
  readonly service: string;
  /** The upstream's datacenter when set; the local one otherwise (for SNI). */
  readonly datacenter?: string;
  readonly localDatacenter: string;
  readonly policy: BalancerPolicy;
  readonly connectTimeoutMs: number;
  readonly connectAttemptsMax: number;
  readonly sessionCacheEndpointsMax: number;
  /** Carry connections as streams of one session per endpoint when the endpoint agrees (ALPN). */
  readonly multiplex: boolean;
}

export interface UpstreamClusterComponents {
  readonly clock: Clock;
  readonly log: Logger;
  readonly credentials: ServiceCredentials;
  readonly endpoints: Watched<readonly UpstreamEndpoint[]>;
}

export interface UpstreamClusterStats {
  readonly dials: number;
  /** Dials that resumed a cached TLS session instead of a full handshake. */
  readonly resumedDials: number;
  readonly failedDials: number;
  readonly cachedSessions: number;
  /** Connections carried as streams of a multiplexed session. */
  readonly streams: number;
  /** Open multiplexed sessions by endpoint, with their open streams. */
  readonly sessionsByEndpoint: Readonly<Record<string, number>>;
  readonly activeByEndpoint: Readonly<Record<string, number>>;
}

const keyOf = (endpoint: UpstreamEndpoint) => `${endpoint.address}:${endpoint.port}`;

export class UpstreamCluster implements Cluster {
  readonly name: string;
  private readonly sessions: SessionCache;
  private readonly active = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private cursor = 0;
  private readonly counts = { dials: 0, resumedDials: 0, failedDials: 0, streams: 0 };
  private readonly mux: MuxPool | null;

  constructor(
    private readonly components: UpstreamClusterComponents,
    private readonly config: UpstreamClusterConfig,
  ) {
    this.name = config.name;
    this.sessions = new SessionCache(config.sessionCacheEndpointsMax);
    this.mux = config.multiplex ? new MuxPool({ clock: components.clock }) : null;
    // A resumed session would present the old leaf; after a swap every endpoint gets a full handshake once.
    this.unsubscribe = components.credentials.onChange(() => {
      this.sessions.clear();
      this.mux?.drainAll();
    });
  }

  async connect(context: ConnectionContext, options: ClusterConnectOptions): Promise<Socket | MuxStream> {
    const endpoints = this.components.endpoints.current() ?? [];
    const keys = endpoints.map(keyOf);
    const tried = new Set<string>();
    let lastError: unknown = null;
    for (let attempt = 1; ; attempt += 1) {
      const choice = pick({
        policy: this.config.policy,
        keys,
        excluded: tried,
        active: this.active,
        cursor: this.cursor,
      });
      if (choice.position === null) {
        throw new NoHealthyEndpointError(this.config.name, lastError === null ? undefined : { cause: lastError });
      }
      this.cursor = choice.cursor;
      const endpoint = endpoints[choice.position]!;
      const key = keys[choice.position]!;
      context.endpoint = key;
      try {
        const upstream = await this.connectEndpoint(endpoint, key, options);
        this.track(key, upstream);
        return upstream;
      } catch (error) {
        lastError = error;
        this.counts.failedDials += 1;
        tried.add(key);
        this.sessions.delete(key);
        const failure = classifyDialFailure(error, options.signal);
        if (!shouldRetryConnect({ attempt, attemptsMax: this.config.connectAttemptsMax, failure })) throw error;
        this.components.log.debug({ upstream: this.config.name, endpoint: key, err: error }, 'dial failed, retrying');
      }
    }
  }

  close(): void {
    this.unsubscribe();
    this.components.endpoints.close();
    this.sessions.clear();
    this.mux?.close();
  }

  stats(): UpstreamClusterStats {
    return {
      ...this.counts,
      cachedSessions: this.sessions.size,
      sessionsByEndpoint: this.mux?.snapshot() ?? {},
      activeByEndpoint: Object.fromEntries(this.active),
    };
  }

  /** A stream of the endpoint's session when it has (or is setting up) one; otherwise a dial, offering mux. */
  private async connectEndpoint(
    endpoint: UpstreamEndpoint,
    key: string,
    options: ClusterConnectOptions,
  ): Promise<Socket | MuxStream> {
    const mux = this.mux;
    if (mux === null) return this.dialCounted(endpoint, key, options, false);
    let session = mux.ready(key);
    const waiting = session === null ? mux.pendingFor(key) : undefined;
    if (waiting !== undefined) {
      await waiting;
      session = mux.ready(key);
    }
    if (session !== null) {
      this.counts.streams += 1;
      return mux.openStream(session);
    }
    if (!mux.shouldOffer(key)) return this.dialCounted(endpoint, key, options, false);
    const dialled = this.dialCounted(endpoint, key, options, true);
    const adopted = dialled.then(
      (socket) => (socket.alpnProtocol === MUX_ALPN ? mux.adopt(key, socket) : null),
      () => null,
    );
    mux.dialling(key, adopted);
    const socket = await dialled;
    const made = await adopted;
    if (made === null) {
      mux.markPlain(key);
      return socket;
    }
    this.counts.streams += 1;
    return mux.openStream(made);
  }

  private async dialCounted(
    endpoint: UpstreamEndpoint,
    key: string,
    options: ClusterConnectOptions,
    offerMux: boolean,
  ): Promise<TLSSocket> {
    this.counts.dials += 1;
    const socket = await this.dialEndpoint(endpoint, key, options, offerMux);
    if (socket.isSessionReused()) this.counts.resumedDials += 1;
    return socket;
  }

  private async dialEndpoint(
    endpoint: UpstreamEndpoint,
    key: string,
    { signal, onread }: ClusterConnectOptions,
    offerMux: boolean,
  ): Promise<TLSSocket> {
    const credentials = this.components.credentials.current();
    const servername =
      endpoint.sni ??
      serviceSni({
        service: endpoint.service,
        datacenter: this.config.datacenter ?? this.config.localDatacenter,
        trustDomain: credentials.trustDomain,
      });
    const cached = this.sessions.get(key);
    // Sessions are kept only from connections whose peer passed verification; a ticket may arrive before that.
    let verifiedNotAfterMs: number | null = null;
    let pendingSession: Buffer | null = null;
    const keep = (session: Buffer, notAfterMs: number) =>
      this.sessions.set(key, { session, service: endpoint.service, peerNotAfterMs: notAfterMs });
    const socket = await dial(
      () => {
        const connectOptions: ConnectionOptions & { onread?: OnReadOpts; allowHalfOpen?: boolean } = {
          host: endpoint.address,
          port: endpoint.port,
          servername,
          secureContext: credentials.secureContext,
          // Verification is ours, below: OpenSSL knows nothing of SPIFFE IDs.
          rejectUnauthorized: false,
          session: cached?.session,
          ...(offerMux ? { ALPNProtocols: [MUX_ALPN] } : {}),
          // The peer's end closes only its direction; ours ends when the caller's does (the relay passes it on).
          allowHalfOpen: true,
          // tls.connect takes `onread` and `allowHalfOpen` like net.connect (its types leave them out).
          ...(onread ? { onread: onread() } : {}),
        };
        const created = tlsConnect(connectOptions);
        created.setNoDelay(true);
        created.on('session', (session: Buffer) => {
          if (verifiedNotAfterMs === null) pendingSession = session;
          else keep(session, verifiedNotAfterMs);
        });
        return created;
      },
      'secureConnect',
      { target: key, timeoutMs: this.config.connectTimeoutMs, clock: this.components.clock, signal },
    );
    const nowMs = this.components.clock.wallMs();
    if (
      socket.isSessionReused() &&
      cached !== undefined &&
      cached.service === endpoint.service &&
      cached.peerNotAfterMs > nowMs
    ) {
      // Resumption proves the peer holds the ticket key of the server verified when the session was made.
      verifiedNotAfterMs = cached.peerNotAfterMs;
    } else {
      try {
        const peer = verifyPeerChain(peerChainDer(socket), credentials.roots, {
          nowMs,
          trustDomain: credentials.trustDomain,
          expectedService: {
            service: endpoint.service,
            ...(this.config.datacenter ? { datacenter: this.config.datacenter } : {}),
          },
        });
        verifiedNotAfterMs = Date.parse(peer.path[0]!.validTo);
      } catch (error) {
        socket.destroy();
        throw new PeerRejectedError(key, { cause: error });
      }
    }
    if (pendingSession !== null) keep(pendingSession, verifiedNotAfterMs);
    return socket;
  }

  private track(key: string, upstream: Socket | MuxStream): void {
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
    const closed = () => {
      const left = (this.active.get(key) ?? 1) - 1;
      if (left <= 0) this.active.delete(key);
      else this.active.set(key, left);
    };
    if (upstream instanceof MuxStream) upstream.onClose(closed);
    else upstream.once('close', closed);
  }
}

function classifyDialFailure(error: unknown, signal: AbortSignal): DialFailure {
  if (signal.aborted) return 'cancelled';
  if (findCause(error, CredentialsUnavailableError)) return 'no-credentials';
  if (findCause(error, PeerRejectedError)) return 'peer-rejected';
  if (findCause(error, ConnectTimeoutError)) return 'connect-timeout';
  return 'connect-failed';
}
