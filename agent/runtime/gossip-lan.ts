// The LAN gossip pool from the agent's configuration: tags by role (Consul's member tags; servers add what the
// server runtime reads to find peers: port, expect, bootstrap, raft_vsn), -dev timings, the data dir's keyring and
// snapshot, and coordinates on.

import { DEV, type GossipConfig, LAN, validateGossipConfig } from '../../gossip/core/config.js';
import { GossipDriver } from '../../gossip/driver.js';
import { validateSerfConfig } from '../../gossip/serf/config.js';
import type { SerfMergeDelegate } from '../../gossip/serf/merge-delegate.js';
import { validateVivaldiConfig } from '../../gossip/vivaldi/config.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { BuildInfo } from '../build-info.js';
import type { AgentConfig, GossipTimingConfig } from '../config/types.js';
import { memberTags } from '../http/routes/agent.js';
import { lanMergeDelegate } from './merge-delegates.js';

/** serf BroadcastTimeout: how long a graceful leave waits for its broadcast to go out. */
export const leaveBroadcastTimeoutMs = 5_000;

/** One pool's settings: what differs between the LAN pool and a server's WAN pool. */
export interface PoolSpec {
  readonly pool: 'lan' | 'wan';
  readonly nodeName: string;
  readonly tags: Record<string, string>;
  readonly reconnectTimeoutMs: number;
  /** The operator's gossip_lan / gossip_wan settings, laid over `preset` (memberlist's LAN or WAN; DEV in -dev). */
  readonly timing: GossipTimingConfig;
  readonly preset: GossipConfig;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly advertise: string;
  readonly mergeDelegate: SerfMergeDelegate;
}

/** A pool's timings: the gossip_lan / gossip_wan settings on top of the preset. */
export function poolGossipConfig(timing: GossipTimingConfig, preset: GossipConfig): GossipConfig {
  return validateGossipConfig(
    {
      gossipNodes: timing.gossipNodes,
      gossipIntervalMs: timing.gossipIntervalMs,
      probeIntervalMs: timing.probeIntervalMs,
      probeTimeoutMs: timing.probeTimeoutMs,
      suspicionMultiplier: timing.suspicionMultiplier,
      retransmitMultiplier: timing.retransmitMultiplier,
    },
    preset,
  );
}

/** A gossip pool of this agent (LAN, or a server's WAN): data dir keyring and snapshot, coordinates on. */
export function createPoolGossip(
  components: { clock: Clock; rand: Rand; log: Logger },
  config: AgentConfig,
  spec: PoolSpec,
): GossipDriver {
  const gossip = poolGossipConfig(spec.timing, spec.preset);
  const { advertise, bindPort } = spec;
  return new GossipDriver(components, {
    serf: validateSerfConfig(
      {
        nodeName: spec.nodeName,
        tags: spec.tags,
        reconnectTimeoutMs: spec.reconnectTimeoutMs,
        gossipIntervalMs: gossip.gossipIntervalMs,
      },
      { allowShortReconnectTimeout: config.devMode },
    ),
    gossip,
    vivaldi: validateVivaldiConfig(),
    bindAddress: spec.bindAddress,
    bindPort,
    // With port 0 (tests) the bound address is the advertised one.
    ...(bindPort !== 0 && advertise && advertise !== '0.0.0.0' && advertise !== '::'
      ? { advertiseAddress: `${formatHost(advertise)}:${bindPort}` }
      : {}),
    dataDir: config.dataDir,
    ...(config.encrypt ? { encrypt: config.encrypt } : {}),
    encryptVerifyIncoming: config.encryptVerifyIncoming,
    encryptVerifyOutgoing: config.encryptVerifyOutgoing,
    label: '',
    rejoinAfterRestart: true,
    leaveTimeoutMs: leaveBroadcastTimeoutMs,
    pool: spec.pool,
    mergeDelegate: spec.mergeDelegate,
  });
}

export function createLanGossip(
  components: { clock: Clock; rand: Rand; log: Logger },
  config: AgentConfig,
  build: BuildInfo,
  bindPort = config.ports.serfLan,
): GossipDriver {
  return createPoolGossip(components, config, {
    pool: 'lan',
    nodeName: config.nodeName,
    tags: memberTags(config, build),
    reconnectTimeoutMs: config.reconnectTimeoutMs,
    timing: config.gossipLan,
    preset: config.devMode ? DEV : LAN,
    bindAddress: config.bindAddr,
    bindPort,
    advertise: config.advertiseAddr,
    mergeDelegate: lanMergeDelegate({
      datacenter: config.datacenter,
      nodeId: config.nodeId,
      nodeName: config.nodeName,
      segment: '',
    }),
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** `host` or `host:port` → `host:port` with the LAN gossip port as default, for -join / retry_join. */
export function joinAddress(address: string, defaultPort: number): string {
  const trimmed = address.trim();
  if (/^\[.*\]:\d+$/.test(trimmed) || /^[^:]+:\d+$/.test(trimmed)) return trimmed;
  return `${formatHost(trimmed.replace(/^\[|\]$/g, ''))}:${defaultPort}`;
}
