// proxy/source.ts's ProxySource over the local agent's HTTP API, for a proxy in its own process (`lattice connect
// proxy`), as Consul's built-in proxy gets its data (reference connect.md §8): the leaf from
// /v1/agent/connect/ca/leaf/:service and the roots from /v1/agent/connect/ca/roots (agent-cached, index-blocking),
// the intention table compiled from /v1/connect/intentions (blocking) so no connection waits on an HTTP call, and
// healthy upstream instances from /v1/health/connect/:service?passing (blocking). Every watch starts on first use
// and stops when its last view closes; failures retry with backoff (http-watch.ts).

import type { Intention } from '../../connect/intentions/model.js';
import { normalizeIntention } from '../../connect/intentions/model.js';
import { compileIntentionTable, type IntentionTable } from '../../connect/intentions/table.js';
import { Backoff } from '../../lib/backoff.js';
import { type Clock, delay } from '../../lib/clock.js';
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
import { AgentHttpError, type AgentHttpTarget, agentRequest } from './agent-http.js';
import { watchAgentEndpoint, watchRetry } from './http-watch.js';

export interface HttpProxySourceComponents {
  readonly target: AgentHttpTarget;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
}

export interface HttpProxySourceInit {
  /**
   * The decision when no intention matches. Null: read it from the agent (/v1/agent/self: allow unless ACLs are on
   * with default_policy deny); if the agent will not say (no agent:read), deny, the safe side.
   */
  readonly defaultAllow?: boolean | null;
}

/** Upstreams one proxy process watches; a sidecar declares a handful. */
export const httpUpstreamWatchesMax = 256;

interface Feed<T> {
  readonly value: WatchedValue<T>;
  readonly stop: AbortController;
}

interface LeafBody {
  readonly CertPEM: string;
  readonly PrivateKeyPEM: string;
}

interface RootsBody {
  readonly TrustDomain: string;
  readonly Roots: readonly { readonly RootCert: string }[];
}

interface HealthEntryBody {
  readonly Node: { readonly Address: string };
  readonly Service: { readonly Address: string; readonly Port: number };
}

export class HttpProxySource implements ProxySource {
  private readonly feeds = new Map<string, Feed<unknown>>();
  private closed = false;

  constructor(
    private readonly components: HttpProxySourceComponents,
    private readonly init: HttpProxySourceInit = {},
  ) {}

  leaf(service: string): Watched<LeafCredentials> {
    return this.feed<LeafCredentials, LeafBody>(`leaf\u0000${service}`, {
      what: `leaf for ${service}`,
      path: `/v1/agent/connect/ca/leaf/${encodeURIComponent(service)}`,
      convert: (body) => ({ certPem: body.CertPEM, keyPem: body.PrivateKeyPEM }),
    });
  }

  roots(): Watched<RootsSnapshot> {
    return this.feed<RootsSnapshot, RootsBody>('roots', {
      what: 'CA roots',
      path: '/v1/agent/connect/ca/roots',
      // Roots are empty until the leader has initialized the CA: wait for a real answer.
      convert: (body) =>
        body.Roots.length === 0
          ? null
          : { trustDomain: body.TrustDomain, rootPems: body.Roots.map((root) => root.RootCert) },
    });
  }

  intentions(): Watched<IntentionTable> {
    let defaultAllow: boolean | null = this.init.defaultAllow ?? null;
    let latest: readonly Intention[] | null = null;
    const key = 'intentions';
    const existing = this.feeds.get(key) as Feed<IntentionTable> | undefined;
    if (existing) return existing.value.view(() => this.release(key));
    const feed = this.start<IntentionTable, readonly Record<string, unknown>[]>(key, {
      what: 'intentions',
      path: '/v1/connect/intentions',
      convert: (body) => {
        latest = body.map((raw) => normalizeIntention(raw as unknown as Intention));
        return defaultAllow === null ? null : compileIntentionTable(latest, { defaultAllow, defaultSource: 'acl' });
      },
    });
    if (defaultAllow === null) {
      void this.readDefaultAllow(feed.stop.signal).then((allow) => {
        defaultAllow = allow;
        if (latest !== null && !feed.stop.signal.aborted)
          feed.value.set(compileIntentionTable(latest, { defaultAllow: allow, defaultSource: 'acl' }));
      });
    }
    return feed.value.view(() => this.release(key));
  }

  endpoints(upstream: UpstreamTarget): Watched<readonly UpstreamEndpoint[]> {
    const datacenter = upstream.datacenter ?? '';
    const key = `endpoints\u0000${upstream.service}\u0000${datacenter}`;
    if (!this.feeds.has(key)) {
      const watched = [...this.feeds.keys()].filter((name) => name.startsWith('endpoints\u0000')).length;
      if (watched >= httpUpstreamWatchesMax)
        throw new Error(`more than ${httpUpstreamWatchesMax} upstreams watched by this proxy`);
    }
    return this.feed<readonly UpstreamEndpoint[], readonly HealthEntryBody[]>(key, {
      what: `instances of ${upstream.service}`,
      path: `/v1/health/connect/${encodeURIComponent(upstream.service)}`,
      query: { passing: '1', ...(datacenter ? { dc: datacenter } : {}) },
      convert: (body) =>
        body.map((row) => ({
          address: row.Service.Address || row.Node.Address,
          port: row.Service.Port,
          service: upstream.service,
        })),
    });
  }

  /** Stops every watch (views left open keep their last value). */
  close(): void {
    this.closed = true;
    for (const feed of this.feeds.values()) feed.stop.abort();
    this.feeds.clear();
  }

  private feed<T, Body>(
    key: string,
    spec: { what: string; path: string; query?: Record<string, string>; convert(body: Body): T | null },
  ): Watched<T> {
    const existing = this.feeds.get(key) as Feed<T> | undefined;
    const feed = existing ?? this.start(key, spec);
    return feed.value.view(() => this.release(key));
  }

  private start<T, Body>(
    key: string,
    spec: { what: string; path: string; query?: Record<string, string>; convert(body: Body): T | null },
  ): Feed<T> {
    if (this.closed) throw new Error('the proxy source is closed');
    const feed: Feed<T> = { value: new WatchedValue<T>(), stop: new AbortController() };
    this.feeds.set(key, feed as Feed<unknown>);
    void watchAgentEndpoint<Body>(this.components, {
      what: spec.what,
      path: spec.path,
      ...(spec.query ? { query: spec.query } : {}),
      mode: 'index',
      signal: feed.stop.signal,
      onAnswer: (answer) => {
        if (answer.value === null) return;
        const converted = spec.convert(answer.value);
        if (converted !== null) feed.value.set(converted);
      },
    });
    return feed;
  }

  private release(key: string): void {
    const feed = this.feeds.get(key);
    if (!feed || feed.value.views > 0) return;
    feed.stop.abort();
    this.feeds.delete(key);
  }

  /** ACLs off or default_policy allow → allow (Consul's default decision); refused or unreported → deny. */
  private async readDefaultAllow(signal: AbortSignal): Promise<boolean> {
    const { target, clock, rand, log } = this.components;
    const backoff = new Backoff(watchRetry, rand);
    while (!signal.aborted) {
      try {
        const answer = await agentRequest<{ DebugConfig?: { ACLEnabled?: boolean; ACLDefaultPolicy?: string } }>(
          target,
          { path: '/v1/agent/self', signal, timeoutMs: 10_000 },
        );
        const debug = answer.value?.DebugConfig;
        if (debug && typeof debug.ACLEnabled === 'boolean')
          return !debug.ACLEnabled || debug.ACLDefaultPolicy !== 'deny';
        log.warn('the agent did not report its ACL default policy; callers no intention matches are denied');
        return false;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof AgentHttpError) {
          log.warn(
            { err: error.message },
            'cannot read the ACL default policy (/v1/agent/self needs agent:read); callers no intention matches are denied',
          );
          return false;
        }
        await delay(clock, backoff.next(), signal).catch(() => undefined);
      }
    }
    return false;
  }
}
