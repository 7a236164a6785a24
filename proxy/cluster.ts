// A cluster is where a listener's connections go: `connect` yields a ready socket for one connection. The local
// app cluster dials the service's own address in plain TCP; the upstream cluster (upstream-cluster.ts) balances
// over healthy endpoints and dials them with mTLS.

import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import type { Clock } from '../lib/clock.js';
import { dial } from './dial.js';
import type { ConnectionContext } from './filter-chain.js';
import type { MuxStream } from './mux/stream.js';

export interface ClusterConnectOptions {
  readonly signal: AbortSignal;
  /** Node's `onread` for each socket dialled (see forwarding-reader.ts), asked once per attempt; such a socket
   * emits no 'data'. */
  readonly onread?: () => OnReadOpts;
}

export interface Cluster {
  readonly name: string;
  /** A socket for the connection, or a stream of a multiplexed session to the endpoint (mux/). */
  connect(context: ConnectionContext, options: ClusterConnectOptions): Promise<Socket | MuxStream>;
  close(): void;
}

export interface LocalAppClusterConfig {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
}

export class LocalAppCluster implements Cluster {
  readonly name: string;

  constructor(
    private readonly clock: Clock,
    private readonly config: LocalAppClusterConfig,
  ) {
    this.name = config.name;
  }

  connect(context: ConnectionContext, options: ClusterConnectOptions): Promise<Socket> {
    const target = `${this.config.address}:${this.config.port}`;
    context.endpoint = target;
    return dial(
      () =>
        netConnect({
          host: this.config.address,
          port: this.config.port,
          noDelay: true,
          allowHalfOpen: true,
          ...(options.onread ? { onread: options.onread() } : {}),
        }),
      'connect',
      { target, timeoutMs: this.config.connectTimeoutMs, clock: this.clock, signal: options.signal },
    );
  }

  close(): void {}
}
