// One local service's proxy: its credentials, its public listener and one listener per upstream, started and
// stopped together.

import type { Clock } from '../lib/clock.js';
import { TimeoutError } from '../lib/errors.js';
import type { AbortOptions, Startable } from '../lib/lifecycle.js';
import { startAll } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import type { BalancerPolicy } from './balancer.js';
import type { ServiceProxyConfig } from './config.js';
import { type ListenerStatsSnapshot, sumStats } from './counters.js';
import { ServiceCredentials } from './credentials.js';
import type { ConnectionContext } from './filter-chain.js';
import { InboundListener } from './inbound.js';
import { OutboundListener } from './outbound.js';
import type { ProxySource } from './source.js';
import type { UpstreamClusterStats } from './upstream-cluster.js';

export interface ServiceProxySettings {
  readonly datacenter: string;
  readonly policy: BalancerPolicy;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly connectionsMaxPerListener: number;
  readonly connectAttemptsMax: number;
  readonly sessionCacheEndpointsMax: number;
  readonly credentialsWaitMs: number;
  readonly closeRevokedConnections: boolean;
  readonly multiplexUpstreams: boolean;
}

export interface ServiceProxyComponents {
  readonly source: ProxySource;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ServiceProxyStats {
  readonly id: string;
  readonly service: string;
  readonly inbound: ListenerStatsSnapshot;
  readonly upstreams: Readonly<Record<string, ListenerStatsSnapshot>>;
  readonly total: ListenerStatsSnapshot;
}

export class ServiceProxy implements Startable {
  private readonly credentials: ServiceCredentials;
  private inbound: InboundListener | null = null;
  private readonly outbound = new Map<string, OutboundListener>();
  private stopAll: ((options?: AbortOptions) => Promise<void>) | null = null;

  constructor(
    private readonly components: ServiceProxyComponents,
    readonly config: ServiceProxyConfig,
    private readonly settings: ServiceProxySettings,
  ) {
    this.credentials = new ServiceCredentials(components.source, config.service, components.log);
  }

  async start(options: AbortOptions = {}): Promise<void> {
    const { clock, log, source } = this.components;
    const deadline = new AbortController();
    const timer = clock.setTimer(this.settings.credentialsWaitMs, () =>
      deadline.abort(new TimeoutError(`no leaf and roots for ${this.config.service} within the wait`)),
    );
    try {
      await this.credentials.ready(
        options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal,
      );
    } catch (error) {
      this.credentials.close();
      throw error;
    } finally {
      timer.cancel();
    }
    const serviceLog = log.child({ service: this.config.service });
    this.inbound = !this.config.publicListener
      ? null
      : new InboundListener(
          { clock, log: serviceLog, credentials: this.credentials, intentions: source.intentions() },
          {
            service: this.config.service,
            bindAddress: this.config.bindAddress,
            bindPort: this.config.bindPort,
            localServiceAddress: this.config.localServiceAddress,
            localServicePort: this.config.localServicePort,
            connectTimeoutMs: this.settings.connectTimeoutMs,
            handshakeTimeoutMs: this.settings.handshakeTimeoutMs,
            idleTimeoutMs: this.settings.idleTimeoutMs,
            connectionsMax: this.settings.connectionsMaxPerListener,
            closeRevokedConnections: this.settings.closeRevokedConnections,
          },
        );
    for (const upstream of this.config.upstreams) {
      const target = { service: upstream.destinationName, datacenter: upstream.datacenter };
      this.outbound.set(
        upstream.destinationName,
        new OutboundListener(
          { clock, log: serviceLog, credentials: this.credentials, endpoints: source.endpoints(target) },
          {
            service: this.config.service,
            destinationName: upstream.destinationName,
            datacenter: upstream.datacenter,
            localDatacenter: this.settings.datacenter,
            bindAddress: upstream.bindAddress,
            bindPort: upstream.bindPort,
            policy: this.settings.policy,
            connectTimeoutMs: this.settings.connectTimeoutMs,
            connectAttemptsMax: this.settings.connectAttemptsMax,
            sessionCacheEndpointsMax: this.settings.sessionCacheEndpointsMax,
            multiplex: this.settings.multiplexUpstreams,
            idleTimeoutMs: this.settings.idleTimeoutMs,
            connectionsMax: this.settings.connectionsMaxPerListener,
          },
        ),
      );
    }
    try {
      this.stopAll = await startAll([...(this.inbound ? [this.inbound] : []), ...this.outbound.values()], options);
    } catch (error) {
      this.credentials.close();
      throw error;
    }
  }

  async stop(options: AbortOptions = {}): Promise<void> {
    const stopAll = this.stopAll;
    this.stopAll = null;
    try {
      await stopAll?.(options);
    } finally {
      this.credentials.close();
    }
  }

  /** The public listener's bound address. */
  publicAddress(): { address: string; port: number } {
    if (!this.inbound) throw new Error(`proxy for ${this.config.service} is not started or has no public listener`);
    return this.inbound.listener.address();
  }

  /** The bound address of the listener for an upstream, by destination name. */
  upstreamAddress(destinationName: string): { address: string; port: number } {
    const listener = this.outbound.get(destinationName);
    if (!listener) throw new Error(`proxy for ${this.config.service} has no upstream ${destinationName}`);
    return listener.listener.address();
  }

  /** Every finished connection of this proxy's listeners, with its counters, result and reason (access logs). */
  onConnectionEnd(listener: (context: ConnectionContext) => void): () => void {
    const listeners = [this.inbound?.listener, ...[...this.outbound.values()].map((entry) => entry.listener)];
    const unsubscribes = listeners.flatMap((entry) => (entry ? [entry.onConnectionEnd(listener)] : []));
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }

  /** Dial counters of the cluster behind an upstream listener. */
  clusterStats(destinationName: string): UpstreamClusterStats {
    const listener = this.outbound.get(destinationName);
    if (!listener) throw new Error(`proxy for ${this.config.service} has no upstream ${destinationName}`);
    return listener.cluster.stats();
  }

  stats(): ServiceProxyStats {
    const inbound = this.inbound?.listener.stats.snapshot() ?? sumStats([]);
    const upstreams: Record<string, ListenerStatsSnapshot> = {};
    for (const [name, listener] of this.outbound) upstreams[name] = listener.listener.stats.snapshot();
    return {
      id: this.config.id,
      service: this.config.service,
      inbound,
      upstreams,
      total: sumStats([inbound, ...Object.values(upstreams)]),
    };
  }
}
