// Managed mode: one process hosts the proxies of many local services (Lattice's answer to one sidecar process per
// service). Services are added and removed by registration while the manager runs; stats cover them all.

import type { Clock } from '../lib/clock.js';
import { ShutdownError, ValidationError } from '../lib/errors.js';
import { lazyModule } from '../lib/lazy-module.js';
import { type AbortOptions, LifecycleState, type Startable } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import type { BalancerPolicy } from './balancer.js';
import { type ProxyRegistration, validateProxyRegistration } from './config.js';
import { type ListenerStatsSnapshot, sumStats } from './counters.js';
import { PROXY_DEFAULTS } from './defaults.js';
import type { ServiceProxy, ServiceProxySettings, ServiceProxyStats } from './service-proxy.js';
import type { ProxySource } from './source.js';

/**
 * The proxy itself (listeners, TLS, filters, balancing), loaded when the first service is added: every agent with
 * Connect on builds a manager, but most client agents never host a proxy and would hold its code for nothing.
 */
const loadServiceProxy = lazyModule('the service proxy (proxy/service-proxy.js)', () => import('./service-proxy.js'));

export interface ProxyManagerComponents {
  readonly source: ProxySource;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ProxyManagerInit {
  /** The agent's datacenter, for SNI of upstreams without an explicit one. */
  readonly datacenter: string;
  readonly policy?: BalancerPolicy;
  readonly connectTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly connectionsMaxPerListener?: number;
  readonly connectAttemptsMax?: number;
  readonly sessionCacheEndpointsMax?: number;
  readonly credentialsWaitMs?: number;
  readonly closeRevokedConnections?: boolean;
  /** Carry upstream connections as streams of one mTLS session per endpoint (mux/); false dials each one. */
  readonly multiplexUpstreams?: boolean;
  readonly servicesMax?: number;
}

export interface ProxyManagerStats {
  readonly services: number;
  readonly total: ListenerStatsSnapshot;
  readonly byService: readonly ServiceProxyStats[];
}

export class ProxyManager implements Startable {
  private readonly lifecycle = new LifecycleState();
  private readonly proxies = new Map<string, ServiceProxy>();
  private readonly pending = new Set<string>();
  private readonly settings: ServiceProxySettings;
  private readonly servicesMax: number;

  constructor(
    private readonly components: ProxyManagerComponents,
    init: ProxyManagerInit,
  ) {
    if (!init.datacenter) throw new ValidationError('proxy manager needs the datacenter');
    this.settings = Object.freeze({
      datacenter: init.datacenter,
      policy: init.policy ?? PROXY_DEFAULTS.balancer,
      connectTimeoutMs: init.connectTimeoutMs ?? PROXY_DEFAULTS.connectTimeoutMs,
      handshakeTimeoutMs: init.handshakeTimeoutMs ?? PROXY_DEFAULTS.handshakeTimeoutMs,
      idleTimeoutMs: init.idleTimeoutMs ?? PROXY_DEFAULTS.idleTimeoutMs,
      connectionsMaxPerListener: init.connectionsMaxPerListener ?? PROXY_DEFAULTS.connectionsMaxPerListener,
      connectAttemptsMax: init.connectAttemptsMax ?? PROXY_DEFAULTS.connectAttemptsMax,
      sessionCacheEndpointsMax: init.sessionCacheEndpointsMax ?? PROXY_DEFAULTS.sessionCacheEndpointsMax,
      credentialsWaitMs: init.credentialsWaitMs ?? PROXY_DEFAULTS.credentialsWaitMs,
      closeRevokedConnections: init.closeRevokedConnections ?? PROXY_DEFAULTS.closeRevokedConnections,
      multiplexUpstreams: init.multiplexUpstreams ?? PROXY_DEFAULTS.multiplexUpstreams,
    });
    this.servicesMax = init.servicesMax ?? PROXY_DEFAULTS.servicesMax;
  }

  async start(_options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.start(async () => undefined);
  }

  async stop(options: AbortOptions = {}): Promise<void> {
    await this.lifecycle.stop(async () => {
      const proxies = [...this.proxies.values()];
      this.proxies.clear();
      await Promise.allSettled(proxies.map((proxy) => proxy.stop(options)));
    });
  }

  /** Starts the proxy of one service; resolves once its listeners are bound. Replaces one with the same ID. */
  async addService(registration: ProxyRegistration, options: AbortOptions = {}): Promise<ServiceProxy> {
    if (!this.lifecycle.isRunning()) throw new ShutdownError('proxy manager is not running');
    const config = validateProxyRegistration(registration);
    if (this.pending.has(config.id)) throw new ValidationError(`proxy ${config.id} is already being added`);
    if (!this.proxies.has(config.id) && this.proxies.size + this.pending.size >= this.servicesMax) {
      throw new ValidationError(`proxy manager already hosts its maximum of ${this.servicesMax} services`);
    }
    this.pending.add(config.id);
    try {
      await this.removeService(config.id, options);
      const { ServiceProxy } = await loadServiceProxy();
      const proxy = new ServiceProxy(this.components, config, this.settings);
      await proxy.start(options);
      if (!this.lifecycle.isRunning()) {
        await proxy.stop();
        throw new ShutdownError('proxy manager stopped while the service was added');
      }
      this.proxies.set(config.id, proxy);
      this.components.log.info({ proxy: config.id, service: config.service }, 'service proxy started');
      return proxy;
    } finally {
      this.pending.delete(config.id);
    }
  }

  /** Stops and forgets a service's proxy; open connections through it are closed. False if it was not there. */
  async removeService(id: string, options: AbortOptions = {}): Promise<boolean> {
    const proxy = this.proxies.get(id);
    if (!proxy) return false;
    this.proxies.delete(id);
    await proxy.stop(options);
    this.components.log.info({ proxy: id }, 'service proxy stopped');
    return true;
  }

  get(id: string): ServiceProxy | undefined {
    return this.proxies.get(id);
  }

  ids(): string[] {
    return [...this.proxies.keys()];
  }

  stats(): ProxyManagerStats {
    const byService = [...this.proxies.values()].map((proxy) => proxy.stats());
    return { services: byService.length, total: sumStats(byService.map((entry) => entry.total)), byService };
  }
}
