// A server's WAN gossip pool (Consul server_serf.go, setupSerf with wan = true): every server of every datacenter,
// on ports.serf_wan of serf_wan / bind_addr, advertised at advertise_addr_wan, with the WAN timings (gossip_wan),
// member name "<node>.<dc>", the server tags (role=consul, dc, port, ...), its own keyring and snapshot
// (data_dir/serf/remote.keyring, serf/remote.snapshot), and coordinates on (datacenters sort by them). Joined at
// start through start_join_wan (a failure stops the start) and retry_join_wan (in the background); the other servers
// of its datacenter are joined in as they join the LAN pool (wan-flooder.ts, Consul's flood-join). Client agents
// run none of it. Cross-datacenter RPC is not routed yet: WanPool (server/wan-pool.ts) is what that router reads.

import { Gauge, type Registry } from 'prom-client';
import { DEV, type GossipConfig, WAN } from '../../gossip/core/config.js';
import type { GossipDriver } from '../../gossip/driver.js';
import type { KeyManager } from '../../gossip/key-manager.js';
import type { SerfMember } from '../../gossip/serf/members.js';
import type { Coordinate } from '../../gossip/vivaldi/coordinate.js';
import type { Clock } from '../../lib/clock.js';
import { LatticeError } from '../../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import { WanPool, type WanPoolSource, wanMemberName } from '../../server/wan-pool.js';
import type { BuildInfo } from '../build-info.js';
import type { AgentConfig } from '../config/types.js';
import { memberTags } from '../http/routes/agent.js';
import { createPoolGossip, joinAddress, poolGossipConfig } from './gossip-lan.js';
import { wanMergeDelegate } from './merge-delegates.js';
import { RetryJoin } from './retry-join.js';
import { countSerfMemberEvents } from './serf-metrics.js';
import { type FloodLanSource, WanFlooder } from './wan-flooder.js';

/**
 * Why this agent has no WAN pool, in Consul's words: a client agent is not a server (agent.go JoinWAN and
 * ForceLeaveWAN); a server with ports.serf_wan = -1 has WAN federation off (ErrWANFederationDisabled).
 */
export class WanUnavailableError extends LatticeError {
  override readonly name = 'WanUnavailableError';
  constructor(what: 'join' | 'force-leave', isServer: boolean) {
    super(
      'ERR_WAN_UNAVAILABLE',
      isServer
        ? 'WAN Federation is disabled'
        : what === 'join'
          ? 'Must be a server to join WAN cluster'
          : 'Must be a server to force-leave a node from the WAN cluster',
    );
  }
}

/** The WAN member tags: the server's LAN tags without wan_join_port, which only LAN members advertise. */
export function wanMemberTags(config: AgentConfig, build: BuildInfo): Record<string, string> {
  const { wan_join_port: _lanOnly, ...tags } = memberTags(config, build);
  return tags;
}

/** memberlist's WAN preset (DEV in -dev) with the gossip_wan settings (Consul's defaults or the operator's) on top. */
export function wanGossipConfig(config: AgentConfig): GossipConfig {
  return poolGossipConfig(config.gossipWan, config.devMode ? DEV : WAN);
}

export function createWanGossip(
  components: { clock: Clock; rand: Rand; log: Logger },
  config: AgentConfig,
  build: BuildInfo,
  bindPort = config.ports.serfWan,
): GossipDriver {
  return createPoolGossip(components, config, {
    pool: 'wan',
    nodeName: wanMemberName(config.nodeName, config.datacenter),
    tags: wanMemberTags(config, build),
    reconnectTimeoutMs: config.reconnectTimeoutWanMs,
    timing: config.gossipWan,
    preset: config.devMode ? DEV : WAN,
    bindAddress: config.serfWanBindAddr,
    bindPort,
    advertise: config.advertiseAddrWan,
    mergeDelegate: wanMergeDelegate(),
  });
}

/** WanPool's view of a driver; a stopped driver reads as no coordinates. */
export function wanPoolSource(driver: GossipDriver, localName: string): WanPoolSource {
  const coordinate = (read: () => Coordinate | null | undefined): Coordinate | null => {
    try {
      return read() ?? null;
    } catch {
      return null; // gossip not running
    }
  };
  return {
    members: () => driver.members(),
    localCoordinate: () => coordinate(() => driver.serfLayer().coordinate()),
    memberCoordinate: (name) =>
      coordinate(() =>
        name === localName ? driver.serfLayer().coordinate() : driver.serfLayer().memberCoordinate(name),
      ),
  };
}

export interface WanMembershipComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  readonly build: BuildInfo;
  /** The agent's registry: WAN member counts and events are exported with the agent's metrics. */
  readonly metricsRegistry: Registry;
  /** The server's LAN pool: its servers are flood-joined into the WAN pool (Consul flood.go). */
  readonly lan: FloodLanSource;
  /** retry_join_wan gave up after retry_max_wan attempts (Consul then shuts the agent down). */
  readonly onGiveUp: (error: Error) => void;
}

/** A server's WAN pool with its joins, as one Startable the agent starts right after the LAN pool. */
export class WanMembership implements Startable {
  readonly driver: GossipDriver;
  readonly pool: WanPool;
  private readonly lifecycle = new LifecycleState();
  private readonly retryJoin: RetryJoin | null;
  private readonly flooder: WanFlooder;
  private readonly log: Logger;

  constructor(
    components: WanMembershipComponents,
    private readonly config: AgentConfig,
  ) {
    const { clock, rand } = components;
    this.log = components.log;
    this.driver = createWanGossip({ clock, rand, log: components.log }, config, components.build);
    this.pool = new WanPool(
      wanPoolSource(this.driver, wanMemberName(config.nodeName, config.datacenter)),
      config.datacenter,
    );
    this.retryJoin =
      config.retryJoinWan.length === 0
        ? null
        : new RetryJoin(
            {
              clock,
              rand,
              log: components.log.child({ cluster: 'WAN' }),
              join: (addresses) => this.driver.join(addresses.map((address) => this.joinTarget(address))),
              onGiveUp: components.onGiveUp,
            },
            {
              addresses: config.retryJoinWan,
              retryIntervalMs: config.retryIntervalWanMs,
              retryMax: config.retryMaxWan,
            },
          );
    this.flooder = new WanFlooder(
      {
        clock,
        log: components.log,
        lan: components.lan,
        wan: { members: () => this.driver.members(), join: (addresses) => this.driver.join(addresses) },
      },
      { datacenter: config.datacenter },
    );
    registerWanMetrics(components.metricsRegistry, this.driver);
  }

  start(options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.start(async () => {
      await this.driver.start(options);
      try {
        if (this.config.startJoinWan.length > 0) {
          const count = await this.driver.join(this.config.startJoinWan.map((address) => this.joinTarget(address)));
          this.log.info({ count }, `(WAN) Join completed. Synced with ${count} initial agents`);
        }
        await this.retryJoin?.start(options);
        await this.flooder.start(options);
      } catch (error) {
        await this.retryJoin?.stop();
        await this.driver.stop();
        throw error;
      }
    });
  }

  stop(options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.stop(async () => {
      await this.flooder.stop(options);
      await this.retryJoin?.stop(options);
      await this.driver.stop(options);
    });
  }

  /** Graceful leave of the WAN pool (a server leaving does this before its LAN leave, as Consul's Server.Leave). */
  async leave(options: AbortOptions = {}): Promise<void> {
    if (!this.lifecycle.isRunning()) return;
    await this.driver.leave(options);
  }

  members(): readonly SerfMember[] {
    return this.lifecycle.isRunning() ? this.driver.members() : [];
  }

  join(address: string): Promise<number> {
    this.log.info({ wan_addresses: [address] }, '(WAN) joining');
    return this.driver.join([this.joinTarget(address)]);
  }

  forceLeave(node: string, options: { readonly prune: boolean }): void {
    this.log.info({ node, prune: options.prune }, '(WAN) Force leaving node');
    this.driver.forceLeave(node, options);
  }

  keyManager(): KeyManager | null {
    return this.lifecycle.isRunning() ? this.driver.keyManager : null;
  }

  private joinTarget(address: string): string {
    return joinAddress(address, this.config.ports.serfWan);
  }
}

/** consul.serf.wan.members (by status) and serf's member event counters under Consul's network="wan" label. */
function registerWanMetrics(registry: Registry, driver: GossipDriver): void {
  const registers = [registry];
  new Gauge({
    name: 'consul_serf_wan_members',
    help: 'Members of the WAN gossip pool, by status',
    labelNames: ['status'],
    registers,
    collect() {
      const counts: Record<SerfMember['status'], number> = { alive: 0, leaving: 0, left: 0, failed: 0 };
      for (const member of driver.members()) counts[member.status]++;
      for (const [status, value] of Object.entries(counts)) this.set({ status }, value);
    },
  });
  countSerfMemberEvents(registry, driver.events, 'wan');
}
