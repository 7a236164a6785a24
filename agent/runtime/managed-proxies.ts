// Managed proxies: the agent hosts the L4 mTLS proxy listeners of its local `connect-proxy` services (one process
// per host, proxy/manager.ts) and keeps them in step with local state: a proxy starts when such a service is
// registered (public listener on its Address/Port, upstreams from Proxy.Upstreams), is replaced when its
// registration changes and stops when it is deregistered. A proxy that cannot start (a taken port, no leaf in
// time) is logged and retried later; it never stops the agent. On with `connect.enabled` unless
// `connect.managed_proxies = false`: a host that runs `lattice connect proxy` processes turns it off so the two do
// not race for the same ports (Consul has no in-agent proxy, hence no such switch).

import type { Clock, Timer } from '../../lib/clock.js';
import type { AbortOptions, Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { ProxyRegistration, UpstreamInit } from '../../proxy/config.js';
import { ProxyManager } from '../../proxy/manager.js';
import type { ProxySource } from '../../proxy/source.js';
import type { LocalState } from '../local/state.js';
import type { LocalServiceRow } from '../local/types.js';

export interface ManagedProxiesComponents {
  readonly state: LocalState;
  /** Closed on stop when it can be (AgentProxySource's upstream watches). */
  readonly source: ProxySource & { close?(): void };
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ManagedProxiesInit {
  readonly datacenter: string;
  /** Wait before retrying a proxy that failed to start. */
  readonly retryMs?: number;
  /** `connect.close_revoked_connections`; the proxy's default when absent. */
  readonly closeRevokedConnections?: boolean;
}

/** The fields of a connect-proxy service a proxy is built from: a local row or an /v1/agent/service answer. */
export type ProxyServiceView = Pick<LocalServiceRow, 'ID' | 'Kind' | 'Address' | 'Port' | 'Proxy'>;

const defaultRetryMs = 5_000;

/** The proxy registration of a local service, or null when it is not a connect-proxy the L4 proxy can host. */
export function proxyRegistrationOf(row: ProxyServiceView): ProxyRegistration | null {
  if (row.Kind !== 'connect-proxy' || !row.Proxy) return null;
  const proxy = row.Proxy;
  if (typeof proxy.DestinationServiceName !== 'string' || proxy.DestinationServiceName === '') return null;
  if (typeof proxy.LocalServicePort !== 'number' || proxy.LocalServicePort <= 0) return null;
  const upstreams: UpstreamInit[] = (proxy.Upstreams ?? []).map((upstream) => ({
    ...(typeof upstream.DestinationType === 'string' ? { DestinationType: upstream.DestinationType } : {}),
    DestinationName: String(upstream.DestinationName ?? ''),
    ...(typeof upstream.Datacenter === 'string' && upstream.Datacenter ? { Datacenter: upstream.Datacenter } : {}),
    ...(typeof upstream.LocalBindAddress === 'string' ? { LocalBindAddress: upstream.LocalBindAddress } : {}),
    LocalBindPort: Number(upstream.LocalBindPort ?? 0),
  }));
  return {
    ID: row.ID,
    ...(row.Address ? { Address: row.Address } : {}),
    Port: row.Port,
    Proxy: {
      DestinationServiceName: proxy.DestinationServiceName,
      ...(typeof proxy.DestinationServiceID === 'string' ? { DestinationServiceID: proxy.DestinationServiceID } : {}),
      ...(typeof proxy.LocalServiceAddress === 'string' && proxy.LocalServiceAddress
        ? { LocalServiceAddress: proxy.LocalServiceAddress }
        : {}),
      LocalServicePort: proxy.LocalServicePort,
      Upstreams: upstreams,
    },
  };
}

export class ManagedProxies implements Startable {
  readonly manager: ProxyManager;
  /** What each hosted (or failed) proxy was started from, so sync marks and unrelated changes do not restart it. */
  private readonly applied = new Map<string, string>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly retries = new Map<string, Timer>();
  private unsubscribe: (() => void) | null = null;
  private running = false;
  private halt = new AbortController();
  private readonly retryMs: number;

  constructor(
    private readonly components: ManagedProxiesComponents,
    init: ManagedProxiesInit,
  ) {
    this.manager = new ProxyManager(
      { source: components.source, clock: components.clock, log: components.log },
      {
        datacenter: init.datacenter,
        ...(init.closeRevokedConnections === undefined
          ? {}
          : { closeRevokedConnections: init.closeRevokedConnections }),
      },
    );
    this.retryMs = init.retryMs ?? defaultRetryMs;
  }

  async start(options: AbortOptions = {}): Promise<void> {
    await this.manager.start(options);
    this.halt = new AbortController();
    this.running = true;
    this.unsubscribe = this.components.state.onChange((change) => {
      if (change.kind === 'service') this.schedule(change.id);
    });
    // In the background: a proxy waits for its leaf certificate, which must not hold up the agent's start.
    for (const service of this.components.state.services()) this.schedule(service.row.ID);
  }

  async stop(options: AbortOptions = {}): Promise<void> {
    this.running = false;
    this.halt.abort();
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const timer of this.retries.values()) timer.cancel();
    this.retries.clear();
    await this.manager.stop(options);
    await Promise.allSettled([...this.chains.values()]);
    this.applied.clear();
    this.components.source.close?.();
  }

  /** Resolves once every queued change has been applied (tests). */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  private schedule(id: string): void {
    if (!this.running) return;
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(() => this.reconcile(id));
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  private async reconcile(id: string): Promise<void> {
    if (!this.running) return;
    const { state, log } = this.components;
    const entry = state.service(id);
    const registration = entry ? proxyRegistrationOf(entry.row) : null;
    const key = registration ? JSON.stringify(registration) : null;
    if (key === (this.applied.get(id) ?? null)) return;
    this.retries.get(id)?.cancel();
    this.retries.delete(id);
    if (registration === null || key === null) {
      this.applied.delete(id);
      try {
        await this.manager.removeService(id);
      } catch (error) {
        log.warn({ proxy: id, err: error }, 'failed to stop a managed proxy');
      }
      return;
    }
    this.applied.set(id, key);
    try {
      await this.manager.addService(registration, { signal: this.halt.signal });
    } catch (error) {
      if (!this.running) return;
      log.warn({ proxy: id, err: error }, 'managed proxy did not start; retrying later');
      if (this.applied.get(id) === key) this.applied.delete(id);
      this.retries.set(
        id,
        this.components.clock.setTimer(this.retryMs, () => {
          this.retries.delete(id);
          this.schedule(id);
        }),
      );
    }
  }
}
