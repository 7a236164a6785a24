// The one seam between the agent and the server runtime (DESIGN §2: server/ is reached in server mode only, through
// one seam): a factory that, given the LAN gossip pool, returns a Startable holding the RPC client to the servers:
// the in-process Server in server mode, a gRPC client with server selection on client agents. bin/ supplies it
// (server/server.ts builds it); without one the agent runs its local parts and anti-entropy keeps retrying.

import type { Registry } from 'prom-client';
import type { GossipDriver } from '../../gossip/driver.js';
import type { Clock } from '../../lib/clock.js';
import type { Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { RpcClient } from '../../server/rpc/methods.js';
import type { WanPool } from '../../server/wan-pool.js';
import type { AgentConfig } from '../config/types.js';
import type { StatsSections } from './control-plane-stats.js';

export interface ControlPlane extends Startable {
  /** The client for this moment's server choice; null while no server is known. */
  rpcClient(): RpcClient | null;
  /** The `consul` (and on a server `raft`) sections of /v1/agent/self Stats; absent in fakes. */
  stats?(): StatsSections;
}

export interface ControlPlaneDeps {
  readonly config: AgentConfig;
  readonly gossip: GossipDriver;
  /** A server's WAN pool (null on client agents and with ports.serf_wan = -1): the datacenters it knows. */
  readonly wan?: WanPool | null;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  /** The agent's metrics registry: the server's Raft, RPC and catalog metrics show on /v1/agent/metrics. */
  readonly metricsRegistry: Registry;
}

export type ControlPlaneFactory = (deps: ControlPlaneDeps) => ControlPlane;
