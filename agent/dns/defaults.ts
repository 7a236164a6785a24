// Bounds of the DNS listener, each with its reason (STYLE §3.7).

export const dnsDefaults = Object.freeze({
  /** A question is one name (at most 255 bytes) plus EDNS0 options; anything near this size is not a real query. */
  queryBytesMax: 4_096,
  /** miekg/dns (Consul's server) closes an idle TCP connection after 8 seconds. */
  tcpIdleTimeoutMs: 8_000,
  /** TCP is the fallback after truncation: a few hundred at once is already an unusual burst for one agent. */
  tcpConnectionsMax: 512,
  /** Queries one TCP connection may have in flight before it stops reading (pipelining stays bounded). */
  tcpQueriesInFlightMax: 32,
  /**
   * A catalog read for one question gives up after this (SERVFAIL): stub resolvers retry after about 5 s, so a
   * later answer would go unread, and its slot in the in-flight bounds is better freed.
   */
  lookupTimeoutMs: 5_000,
  /** UDP queries being answered at once; more are dropped and counted, as a full socket buffer would. */
  udpQueriesInFlightMax: 4_096,
});
