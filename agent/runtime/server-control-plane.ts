// The control plane the agent runs by default: in server mode the Server (Raft + catalog) with its in-process
// RPC client; on a client agent the ServerManager, which picks a server from the LAN pool and fails over.
// server/server.js is imported only when a server starts: Raft, its storage and the state store's write side are
// megabytes of code a client agent never runs, and every client process would otherwise hold them in memory.

import type { RpcClient } from '../../server/rpc/methods.js';
import { createRemoteRpcClient } from '../../server/rpc/server-manager.js';
import type { Server } from '../../server/server.js';
import type { ControlPlane, ControlPlaneDeps, ControlPlaneFactory } from './control-plane.js';
import { clientStats, serverStats } from './control-plane-stats.js';

export function serverControlPlane(): ControlPlaneFactory {
  return (deps: ControlPlaneDeps): ControlPlane => {
    const { config, gossip, wan, clock, rand, log, metricsRegistry } = deps;
    if (config.server) {
      let server: Server | null = null;
      let rpc: RpcClient | null = null;
      return {
        start: async (options) => {
          const { Server, serverConfigFromAgent } = await import('../../server/server.js');
          server = new Server(
            { clock, rand, log: log.child({ module: 'agent.server' }), gossip, wan: wan ?? null, metricsRegistry },
            serverConfigFromAgent(config),
          );
          rpc = server.rpcClient();
          await server.start(options);
        },
        stop: async (options) => {
          await server?.stop(options);
        },
        rpcClient: () => rpc,
        stats: () => {
          const raft = server?.raftNode() ?? null;
          return serverStats({
            localId: config.nodeId,
            isLeader: server?.isLeader() ?? false,
            leaderAddress: server?.leaderAddress() ?? '',
            bootstrap: config.bootstrap,
            knownDatacenters: wan ? wan.datacenters().length : 1,
            aclEnabled: config.aclEnabled,
            raft: raft === null ? null : { stats: raft.stats(), configuration: raft.configuration() },
            lastContactMs: server?.raftStats().LastContactMs ?? -1,
          });
        },
      };
    }
    const manager = createRemoteRpcClient(
      { clock, rand, log: log.child({ module: 'agent.client' }), gossip },
      { datacenter: config.datacenter },
    );
    return {
      start: (options) => manager.start(options),
      stop: (options) => manager.stop(options),
      rpcClient: () => manager,
      stats: () => clientStats(manager.knownServers().length, config.aclEnabled),
    };
  };
}
