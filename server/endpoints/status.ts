// The Status endpoint (Consul status_endpoint.go): the leader's address, the voters' addresses, and this server's
// own Raft figures. Answered locally, never forwarded, so an operator can ask any server.

import type { ClusterOps } from './cluster-ops.js';
import type { HandlerTable } from './context.js';

type StatusHandlers = Pick<HandlerTable, 'Status.Leader' | 'Status.Peers' | 'Status.RaftStats'>;

export function statusEndpoints(cluster: ClusterOps): StatusHandlers {
  return {
    'Status.Leader': async () => cluster.leaderAddress(),
    'Status.Peers': async () => cluster.peerAddresses(),
    'Status.RaftStats': async () => cluster.raftStats(),
  };
}
