// Named bounds for the data plane (STYLE §3.7): every timeout, limit and retry count the proxy uses, with its reason.

export const PROXY_DEFAULTS = {
  /** A dial to the local app or a remote sidecar; LAN and loopback connects finish in milliseconds, 5 s means down. */
  connectTimeoutMs: 5_000,
  /** A client that opens TCP and never finishes the TLS handshake holds a slot; 10 s is Envoy's listener default. */
  handshakeTimeoutMs: 10_000,
  /** A relayed connection with no bytes either way for an hour is closed (Envoy's tcp_proxy idle_timeout). */
  idleTimeoutMs: 3_600_000,
  /** Open connections per listener; beyond it new ones are reset and counted, so one noisy caller cannot exhaust fds. */
  connectionsMaxPerListener: 10_000,
  /** Accepted sockets still in their TLS handshake, on top of the open connections; beyond it Node drops them. */
  handshakesInFlightMax: 1_024,
  /**
   * Accepted-but-not-yet-taken connections the kernel queues per listener (capped by net.core.somaxconn). Node's 511
   * overflowed under bursts of a few thousand callers: Linux then answers with SYN cookies, and a caller whose first
   * segment was dropped with the overflowing handshake loses those bytes silently (measured: 13-297 of 2,600
   * connections opened at once lost their first write). HAProxy sizes its backlog from maxconn the same way.
   */
  listenBacklog: 4_096,
  /** Dial attempts per outbound connection, each to a different endpoint: one failure plus two retries. */
  connectAttemptsMax: 3,
  /** Resumable TLS sessions kept per upstream cluster, one per endpoint; the oldest is dropped past it. */
  sessionCacheEndpointsMax: 1_024,
  /** Callers' verified leaves remembered per public listener (verified-peers.ts); each entry is a few hundred bytes. */
  verifiedPeersMax: 1_024,
  /** How long a service proxy waits at start for its first leaf and roots before refusing to start. */
  credentialsWaitMs: 30_000,
  /** A new deny intention also closes open connections it now denies (Consul's built-in proxy does not). */
  closeRevokedConnections: true,
  /**
   * Upstream connections to a Lattice sidecar ride one mTLS session per endpoint as streams (mux/): one handshake,
   * and the requests of many callers share TLS records and writes. Other peers are dialled per connection.
   */
  multiplexUpstreams: true,
  /** Upstream endpoints: round-robin spreads evenly without state beyond a cursor. */
  balancer: 'round-robin' as 'round-robin' | 'least-connections',
  /** Services one manager hosts; each costs two or more listeners and their watches. */
  servicesMax: 4_096,
  /** Upstreams one service may declare. */
  upstreamsMaxPerService: 256,
} as const;

export type ProxyDefaults = typeof PROXY_DEFAULTS;
