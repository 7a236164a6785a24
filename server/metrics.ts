// The server's Prometheus metrics, registered on the registry the agent passes in (one per agent, never the
// global one), with Consul's metric names where they exist (consul_raft_commitTime, consul_rpc_request, ...) in
// Prometheus form. Catalog sizes are gauges read at scrape time from the store.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Latency buckets in seconds: from a loopback Raft commit (~1 ms) to a slow disk (seconds). */
const latencyBucketsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface CatalogSizes {
  nodes(): number;
  services(): number;
  checks(): number;
}

export class ServerMetrics {
  readonly raftCommitSeconds: Histogram<string>;
  readonly raftApplySeconds: Histogram<string>;
  readonly leaderChanges: Counter<string>;
  readonly rpcRequests: Counter<'method'>;
  readonly rpcErrors: Counter<'method' | 'code'>;
  readonly rpcForwarded: Counter<'method'>;
  readonly blockingQueries: Gauge<string>;
  readonly reconcileOps: Counter<'kind'>;

  constructor(registry: Registry | null, sizes: CatalogSizes) {
    const registers = registry === null ? [] : [registry];
    this.raftCommitSeconds = new Histogram({
      name: 'consul_raft_commitTime_seconds',
      help: 'Time from proposing a catalog write on the leader to its commit and apply',
      buckets: latencyBucketsSeconds,
      registers,
    });
    this.raftApplySeconds = new Histogram({
      name: 'consul_raft_apply_seconds',
      help: 'Time a write RPC spent in Raft, forwarding included',
      buckets: latencyBucketsSeconds,
      registers,
    });
    this.leaderChanges = new Counter({
      name: 'consul_raft_state_leader_changes_total',
      help: 'Leader changes seen by this server',
      registers,
    });
    this.rpcRequests = new Counter({
      name: 'consul_rpc_request_total',
      help: 'RPC calls handled by this server, by method',
      labelNames: ['method'],
      registers,
    });
    this.rpcErrors = new Counter({
      name: 'consul_rpc_request_error_total',
      help: 'RPC calls that failed, by method and error code',
      labelNames: ['method', 'code'],
      registers,
    });
    this.rpcForwarded = new Counter({
      name: 'consul_rpc_cross_leader_total',
      help: 'RPC calls forwarded to the leader',
      labelNames: ['method'],
      registers,
    });
    this.blockingQueries = new Gauge({
      name: 'consul_rpc_queries_blocking',
      help: 'Blocking queries waiting on this server',
      registers,
    });
    this.reconcileOps = new Counter({
      name: 'consul_leader_reconcile_member_total',
      help: 'Catalog writes made by the leader to reconcile gossip membership, by kind',
      labelNames: ['kind'],
      registers,
    });
    for (const [name, read] of [
      ['consul_catalog_nodes', sizes.nodes],
      ['consul_catalog_service_instances', sizes.services],
      ['consul_catalog_checks', sizes.checks],
    ] as const) {
      new Gauge({
        name,
        help: `Rows in the catalog (${name.slice('consul_catalog_'.length)})`,
        registers,
        collect() {
          this.set(read());
        },
      });
    }
  }
}
