// The agent's implementation of the proxy's control-plane seam (proxy/source.ts ProxySource): leaves, roots and the
// intention table straight from AgentConnect's caches (no HTTP, no server call per connection), and healthy
// upstream instances from one blocking `Health.ServiceNodes` watch (Connect-capable, passing only) per upstream,
// shared by every view and stopped when the last view closes.

import type { IntentionTable } from '../../connect/index.js';
import { Backoff } from '../../lib/backoff.js';
import type { Clock } from '../../lib/clock.js';
import { delay } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type {
  LeafCredentials,
  ProxySource,
  RootsSnapshot,
  UpstreamEndpoint,
  UpstreamTarget,
  Watched,
} from '../../proxy/source.js';
import { WatchedValue } from '../../proxy/watched-value.js';
import { defaultQueryOptions, type RpcClient } from '../../server/rpc/methods.js';
import type { ServiceEntry } from '../../server/state/types.js';
import type { AgentConnect } from './agent-connect.js';

export interface AgentProxySourceComponents {
  readonly connect: AgentConnect;
  readonly rpc: RpcClient;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
}

/** Upstreams watched at once by one agent; a host runs a handful of proxies with a few upstreams each. */
export const upstreamWatchesMax = 1_024;
const watchWaitMs = 10 * 60_000;
const retry = { baseDelayMs: 250, delayMsMax: 30_000 };

export class AgentProxySource implements ProxySource {
  private readonly leafFeeds = new Map<string, WatchedValue<LeafCredentials>>();
  private readonly rootsFeed = new WatchedValue<RootsSnapshot>();
  private readonly intentionsFeed = new WatchedValue<IntentionTable>();
  private readonly endpointFeeds = new Map<
    string,
    { feed: WatchedValue<readonly UpstreamEndpoint[]>; stop: AbortController }
  >();
  private readonly unsubscribes: (() => void)[];
  /** Aborted by close(): ends the first-leaf retries. */
  private readonly closing = new AbortController();

  constructor(
    private readonly components: AgentProxySourceComponents,
    private readonly datacenter: string,
  ) {
    const { connect } = components;
    this.unsubscribes = [
      connect.events.on('leaf', ({ service, leaf }) =>
        this.leafFeeds.get(service)?.set({ certPem: leaf.value.CertPEM, keyPem: leaf.value.PrivateKeyPEM }),
      ),
      connect.events.on('roots', ({ value }) =>
        this.rootsFeed.set({ trustDomain: value.TrustDomain, rootPems: value.Roots.map((root) => root.RootCert) }),
      ),
      connect.events.on('intentions', ({ table }) => this.intentionsFeed.set(table)),
    ];
  }

  leaf(service: string): Watched<LeafCredentials> {
    let feed = this.leafFeeds.get(service);
    if (feed === undefined) {
      feed = new WatchedValue<LeafCredentials>();
      this.leafFeeds.set(service, feed);
      this.fetchFirstLeaf(service, feed);
    }
    return feed.view();
  }

  roots(): Watched<RootsSnapshot> {
    const current = this.components.connect.currentRoots();
    if (current !== null && this.rootsFeed.value === null)
      this.rootsFeed.set({
        trustDomain: current.value.TrustDomain,
        rootPems: current.value.Roots.map((root) => root.RootCert),
      });
    return this.rootsFeed.view();
  }

  intentions(): Watched<IntentionTable> {
    const table = this.components.connect.intentionTable();
    if (table !== null && this.intentionsFeed.value === null) this.intentionsFeed.set(table);
    return this.intentionsFeed.view();
  }

  endpoints(upstream: UpstreamTarget): Watched<readonly UpstreamEndpoint[]> {
    const datacenter = upstream.datacenter ?? '';
    const key = `${upstream.service}\u0000${datacenter}`;
    let entry = this.endpointFeeds.get(key);
    if (entry === undefined) {
      if (this.endpointFeeds.size >= upstreamWatchesMax)
        throw new Error(`more than ${upstreamWatchesMax} upstreams watched by this agent`);
      const stop = new AbortController();
      entry = { feed: new WatchedValue<readonly UpstreamEndpoint[]>(), stop };
      this.endpointFeeds.set(key, entry);
      this.watchEndpoints(upstream, entry.feed, stop.signal);
    }
    const { feed, stop } = entry;
    return feed.view(() => {
      stop.abort();
      this.endpointFeeds.delete(key);
    });
  }

  /** Stops every watch this source started (the caches themselves belong to AgentConnect). */
  close(): void {
    this.closing.abort();
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    for (const { stop } of this.endpointFeeds.values()) stop.abort();
    this.endpointFeeds.clear();
  }

  /**
   * Issues (or reads the cached) leaf, retrying with backoff until one arrives: a first fetch can fail (no CA yet,
   * servers unreachable past the first-read wait, the leaf cache full) and later leaves only come as 'leaf' events
   * for a leaf that was once issued. Stops when a value is there (from either path) or the source closes.
   */
  private fetchFirstLeaf(service: string, feed: WatchedValue<LeafCredentials>): void {
    const { connect, clock, rand, log } = this.components;
    const signal = this.closing.signal;
    const backoff = new Backoff(retry, rand);
    const loop = async (): Promise<void> => {
      while (!signal.aborted && feed.value === null) {
        try {
          const { value } = await connect.leaf(service, { signal });
          if (feed.value === null) feed.set({ certPem: value.CertPEM, keyPem: value.PrivateKeyPEM });
          return;
        } catch (error) {
          if (signal.aborted) return;
          log.warn({ service, err: (error as Error).message }, 'leaf for a proxy not available yet; retrying');
          await delay(clock, backoff.next(), signal).catch(() => undefined);
        }
      }
    };
    void loop();
  }

  private watchEndpoints(
    upstream: UpstreamTarget,
    feed: WatchedValue<readonly UpstreamEndpoint[]>,
    signal: AbortSignal,
  ): void {
    const { rpc, clock, rand, log } = this.components;
    const backoff = new Backoff(retry, rand);
    const context = { datacenter: upstream.datacenter ?? this.datacenter, token: '' };
    const loop = async (): Promise<void> => {
      let index = 0;
      while (!signal.aborted) {
        try {
          const reply = await rpc.call(
            'Health.ServiceNodes',
            { ServiceName: upstream.service, ServiceTags: [], PassingOnly: true, Connect: true },
            { context, query: { ...defaultQueryOptions, minQueryIndex: index, maxQueryTimeMs: watchWaitMs }, signal },
          );
          backoff.reset();
          const changed = reply.meta.index !== index || feed.value === null;
          index = reply.meta.index < index ? 0 : reply.meta.index;
          if (changed) feed.set(reply.value.map((row) => endpointOf(row, upstream.service)));
        } catch (error) {
          if (signal.aborted) return;
          log.debug({ upstream: upstream.service, err: (error as Error).message }, 'upstream watch failed');
          await delay(clock, backoff.next(), signal).catch(() => undefined);
        }
      }
    };
    void loop();
  }
}

/** A Connect-capable instance: its sidecar's (or native service's) address and port. */
function endpointOf(row: ServiceEntry, service: string): UpstreamEndpoint {
  return {
    address: row.Service.Address || row.Node.Address,
    port: row.Service.Port,
    service,
  };
}
