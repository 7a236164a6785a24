// An upstream listener: plain TCP on the app's side (`local_bind_address:local_bind_port`), relayed to the upstream
// cluster, which dials a healthy endpoint over mTLS.

import { createServer as createNetServer } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { AbortOptions, Startable } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import type { BalancerPolicy } from './balancer.js';
import type { ServiceCredentials } from './credentials.js';
import { PROXY_DEFAULTS } from './defaults.js';
import { chain } from './filter-chain.js';
import { connectionLimit } from './filters/connection-limit.js';
import { relay } from './filters/relay.js';
import { Listener } from './listener.js';
import { rescue } from './rescue.js';
import type { UpstreamEndpoint, Watched } from './source.js';
import { UpstreamCluster } from './upstream-cluster.js';

export interface OutboundConfig {
  readonly service: string;
  readonly destinationName: string;
  readonly datacenter?: string;
  readonly localDatacenter: string;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly policy: BalancerPolicy;
  readonly connectTimeoutMs: number;
  readonly connectAttemptsMax: number;
  readonly sessionCacheEndpointsMax: number;
  readonly idleTimeoutMs: number;
  readonly connectionsMax: number;
  readonly multiplex: boolean;
}

export interface OutboundComponents {
  readonly clock: Clock;
  readonly log: Logger;
  readonly credentials: ServiceCredentials;
  readonly endpoints: Watched<readonly UpstreamEndpoint[]>;
}

export class OutboundListener implements Startable {
  readonly listener: Listener;
  readonly cluster: UpstreamCluster;

  constructor(components: OutboundComponents, config: OutboundConfig) {
    this.cluster = new UpstreamCluster(
      {
        clock: components.clock,
        log: components.log,
        credentials: components.credentials,
        endpoints: components.endpoints,
      },
      {
        name: `upstream:${config.service}->${config.destinationName}`,
        service: config.destinationName,
        datacenter: config.datacenter,
        localDatacenter: config.localDatacenter,
        policy: config.policy,
        connectTimeoutMs: config.connectTimeoutMs,
        connectAttemptsMax: config.connectAttemptsMax,
        sessionCacheEndpointsMax: config.sessionCacheEndpointsMax,
        multiplex: config.multiplex,
      },
    );
    const handler = chain(relay(this.cluster, { idleTimeoutMs: config.idleTimeoutMs, clock: components.clock }), [
      rescue(components.log),
      connectionLimit(() => this.listener.openCount(), config.connectionsMax),
    ]);
    this.listener = new Listener(
      {
        clock: components.clock,
        handler,
        createServer: (accept) => createNetServer({ allowHalfOpen: true, noDelay: true }, accept),
      },
      {
        name: `upstream:${config.service}->${config.destinationName}`,
        direction: 'outbound',
        service: config.service,
        destination: config.destinationName,
        bindAddress: config.bindAddress,
        bindPort: config.bindPort,
        connectionsMax: config.connectionsMax,
        handshakesInFlightMax: PROXY_DEFAULTS.handshakesInFlightMax,
      },
    );
  }

  async start(options: AbortOptions = {}): Promise<void> {
    await this.listener.start(options);
  }

  async stop(options: AbortOptions = {}): Promise<void> {
    await this.listener.stop(options);
    this.cluster.close();
  }
}
