// The LAN gossip pool from the agent's configuration: tags by role (Consul's member tags; servers add what the
// server runtime reads to find peers: port, expect, bootstrap, raft_vsn), -dev timings, the data dir's keyring and
// snapshot, and coordinates on.

import { DEV, LAN, validateGossipConfig } from '../../gossip/core/config.js';
import { GossipDriver } from '../../gossip/driver.js';
import { validateSerfConfig } from '../../gossip/serf/config.js';
import { validateVivaldiConfig } from '../../gossip/vivaldi/config.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Rand } from '../../lib/rand.js';
import type { BuildInfo } from '../build-info.js';
import type { AgentConfig } from '../config/types.js';
import { memberTags } from '../http/routes/agent.js';
import { lanMergeDelegate } from './merge-delegates.js';

/** serf BroadcastTimeout: how long a graceful leave waits for its broadcast to go out. */
export const leaveBroadcastTimeoutMs = 5_000;

export function createLanGossip(
  components: { clock: Clock; rand: Rand; log: Logger },
  config: AgentConfig,
  build: BuildInfo,
  bindPort = config.ports.serfLan,
): GossipDriver {
  const timing = config.gossipLan;
  const gossip = validateGossipConfig(
    {
      gossipNodes: timing.gossipNodes,
      gossipIntervalMs: timing.gossipIntervalMs,
      probeIntervalMs: timing.probeIntervalMs,
      probeTimeoutMs: timing.probeTimeoutMs,
      suspicionMultiplier: timing.suspicionMultiplier,
      retransmitMultiplier: timing.retransmitMultiplier,
    },
    config.devMode ? DEV : LAN,
  );
  const advertise = config.advertiseAddr;
  return new GossipDriver(components, {
    serf: validateSerfConfig(
      {
        nodeName: config.nodeName,
        tags: memberTags(config, build),
        reconnectTimeoutMs: config.reconnectTimeoutMs,
        gossipIntervalMs: gossip.gossipIntervalMs,
      },
      { allowShortReconnectTimeout: config.devMode },
    ),
    gossip,
    vivaldi: validateVivaldiConfig(),
    bindAddress: config.bindAddr,
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
    pool: 'lan',
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
