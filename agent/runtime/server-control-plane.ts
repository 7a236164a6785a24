// The control plane the agent runs by default: in server mode the Server (Raft + catalog) with its in-process
// RPC client; on a client agent the ServerManager, which picks a server from the LAN pool and fails over.

import { createRemoteRpcClient } from '../../server/rpc/server-manager.js';
import { Server, serverConfigFromAgent } from '../../server/server.js';
import type { ControlPlane, ControlPlaneDeps, ControlPlaneFactory } from './control-plane.js';

export function serverControlPlane(): ControlPlaneFactory {
  return (deps: ControlPlaneDeps): ControlPlane => {
    const { config, gossip, clock, rand, log, metricsRegistry } = deps;
    if (config.server) {
      const server = new Server(
        { clock, rand, log: log.child({ module: 'agent.server' }), gossip, metricsRegistry },
        serverConfigFromAgent(config),
      );
      const rpc = server.rpcClient();
      return {
        start: (options) => server.start(options),
        stop: (options) => server.stop(options),
        rpcClient: () => rpc,
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
    };
  };
}
