// Autopilot basics (hashicorp/raft-autopilot, Consul autopilot.go) as pure decisions: each server's health from
// its own Raft figures and its gossip status, promotion of non-voters that stayed healthy for
// server_stabilization_time, and removal of dead servers (left at once; failed after a grace, and never so many
// that the voters left could not form a quorum). The settings in force are the stored autopilot configuration
// (Operator.AutopilotSetConfiguration) over the agent's. The leader's loop (leader/autopilot-loop.ts) gathers the inputs
// and carries out the actions.

import type { SerfMemberStatus } from '../gossip/serf/members.js';
import type { AutopilotHealthReply, RaftStatsReply } from './rpc/methods.js';
import type { AutopilotStateReply, AutopilotStateServerReply } from './rpc/reply-types.js';
import type { AutopilotConfigFields } from './state/tables/autopilot.js';

export interface AutopilotConfig {
  readonly cleanupDeadServers: boolean;
  /** A server not heard from the leader for longer is unhealthy (Consul LastContactThreshold 200ms). */
  readonly lastContactThresholdMs: number;
  /** A server this many entries behind the leader is unhealthy (Consul MaxTrailingLogs 250). */
  readonly maxTrailingLogs: number;
  /** How long a non-voter must stay healthy before it votes (Consul ServerStabilizationTime 10s). */
  readonly serverStabilizationTimeMs: number;
  /**
   * How long a failed server stays in the Raft configuration before cleanup removes it. Consul removes failed
   * servers at once; a grace lets a crashed server restart and rejoin as the voter it was (Lattice's choice).
   */
  readonly deadServerGraceMs: number;
}

export const autopilotDefaults: AutopilotConfig = Object.freeze({
  cleanupDeadServers: true,
  lastContactThresholdMs: 200,
  maxTrailingLogs: 250,
  serverStabilizationTimeMs: 10_000,
  deadServerGraceMs: 5 * 60_000,
});

/** The stored form of a configuration (the autopilot-config row's fields) for the leader's first write. */
export function autopilotFields(config: AutopilotConfig): AutopilotConfigFields {
  return {
    CleanupDeadServers: config.cleanupDeadServers,
    LastContactThresholdMs: config.lastContactThresholdMs,
    MaxTrailingLogs: config.maxTrailingLogs,
    MinQuorum: 0,
    ServerStabilizationTimeMs: config.serverStabilizationTimeMs,
    RedundancyZoneTag: '',
    DisableUpgradeMigration: false,
    UpgradeVersionTag: '',
  };
}

/** The configuration in force: the stored row when there is one (set through the API), else the agent's. */
export function effectiveAutopilotConfig(base: AutopilotConfig, stored: AutopilotConfigFields | null): AutopilotConfig {
  if (stored === null) return base;
  return {
    ...base,
    cleanupDeadServers: stored.CleanupDeadServers,
    lastContactThresholdMs: stored.LastContactThresholdMs,
    maxTrailingLogs: stored.MaxTrailingLogs,
    serverStabilizationTimeMs: stored.ServerStabilizationTimeMs,
  };
}

export interface ServerObservation {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly voter: boolean;
  readonly leader: boolean;
  /** Gossip status of the server's node; 'none' when the pool does not know it. */
  readonly serfStatus: SerfMemberStatus | 'none';
  /** When the gossip status last changed (clock ms). */
  readonly serfStatusSinceMs: number;
  /** Its own answer to Status.RaftStats, null when it did not answer. */
  readonly stats: RaftStatsReply | null;
}

export interface ServerHealth {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly serfStatus: SerfMemberStatus | 'none';
  readonly leader: boolean;
  readonly voter: boolean;
  readonly lastContactMs: number;
  readonly lastTerm: number;
  readonly lastIndex: number;
  readonly healthy: boolean;
  /** Clock ms since when the server has been healthy (or unhealthy). */
  readonly stableSinceMs: number;
}

/** One pass of health: `previous` carries StableSince across passes. */
export function assessServers(
  servers: readonly ServerObservation[],
  leader: { readonly term: number; readonly lastIndex: number },
  previous: ReadonlyMap<string, ServerHealth>,
  config: AutopilotConfig,
  nowMs: number,
): ServerHealth[] {
  return servers.map((server) => {
    const stats = server.stats;
    const lastContactMs = server.leader ? 0 : (stats?.LastContactMs ?? -1);
    const healthy =
      server.serfStatus === 'alive' &&
      stats !== null &&
      lastContactMs >= 0 &&
      lastContactMs <= config.lastContactThresholdMs &&
      stats.LastTerm === leader.term &&
      stats.LastIndex + config.maxTrailingLogs >= leader.lastIndex;
    const before = previous.get(server.id);
    const stableSinceMs = before !== undefined && before.healthy === healthy ? before.stableSinceMs : nowMs;
    return {
      id: server.id,
      name: server.name,
      address: server.address,
      serfStatus: server.serfStatus,
      leader: server.leader,
      voter: server.voter,
      lastContactMs,
      lastTerm: stats?.LastTerm ?? 0,
      lastIndex: stats?.LastIndex ?? 0,
      healthy,
      stableSinceMs,
    };
  });
}

export interface AutopilotActions {
  /** Non-voters to promote, one per pass (Raft changes membership one server at a time). */
  readonly promote: readonly string[];
  readonly remove: readonly string[];
}

const quorumOf = (voterCount: number): number => Math.floor(voterCount / 2) + 1;

export function autopilotActions(
  health: readonly ServerHealth[],
  observations: ReadonlyMap<string, ServerObservation>,
  config: AutopilotConfig,
  nowMs: number,
): AutopilotActions {
  const remove: string[] = [];
  if (config.cleanupDeadServers) {
    const voters = health.filter((server) => server.voter);
    // Removing more voters than this would leave too few to ever agree on anything again.
    let removableVoters = Math.max(0, voters.length - quorumOf(voters.length));
    for (const server of health) {
      if (server.leader) continue;
      const observed = observations.get(server.id);
      const gone =
        server.serfStatus === 'left' ||
        (server.serfStatus === 'failed' &&
          observed !== undefined &&
          nowMs - observed.serfStatusSinceMs >= config.deadServerGraceMs);
      if (!gone) continue;
      if (server.voter) {
        if (removableVoters === 0) continue;
        removableVoters--;
      }
      remove.push(server.id);
    }
  }
  const promote = health
    .filter(
      (server) =>
        !server.voter &&
        server.healthy &&
        !remove.includes(server.id) &&
        nowMs - server.stableSinceMs >= config.serverStabilizationTimeMs,
    )
    .map((server) => server.id)
    .slice(0, 1);
  return { promote, remove };
}

/** Go's time.Duration String() for whole milliseconds: "0s", "12ms", "1.5s". */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** Consul's /v1/operator/autopilot/health body. */
export function autopilotReply(
  health: readonly ServerHealth[],
  wallAtNowMs: (clockMs: number) => number,
): AutopilotHealthReply {
  const voters = health.filter((server) => server.voter);
  const healthyVoters = voters.filter((server) => server.healthy).length;
  return {
    Healthy: health.every((server) => server.healthy),
    FailureTolerance: Math.max(0, healthyVoters - quorumOf(voters.length)),
    Servers: health.map((server) => ({
      ID: server.id,
      Name: server.name,
      Address: server.address,
      SerfStatus: server.serfStatus,
      Version: '',
      Leader: server.leader,
      LastContact: server.lastContactMs < 0 ? '' : goDuration(server.lastContactMs),
      LastTerm: server.lastTerm,
      LastIndex: server.lastIndex,
      Healthy: server.healthy,
      Voter: server.voter,
      StableSince: new Date(wallAtNowMs(server.stableSinceMs)).toISOString(),
    })),
  };
}

/** Go's time.Time JSON (RFC3339Nano): the fraction without trailing zeros, none when it is zero. */
export function goTime(wallMs: number): string {
  return new Date(wallMs).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** Consul's autopilotServerFromMetadata: leaving counts as alive so a server is not removed before it is gone. */
function nodeStatus(serfStatus: ServerHealth['serfStatus']): string {
  if (serfStatus === 'alive' || serfStatus === 'leaving') return 'alive';
  if (serfStatus === 'left' || serfStatus === 'failed') return serfStatus;
  return 'unknown';
}

/** What the state shows beyond health: the server's build version (serf `build` tag) and catalog node meta. */
export interface ServerDetails {
  readonly version: string;
  /** null when the server has no catalog node yet. */
  readonly meta: Readonly<Record<string, string>> | null;
}

/**
 * Consul's /v1/operator/autopilot/state body (agent/operator_endpoint.go autopilotToAPIState): the same assessment
 * as the health view, keyed by server ID, with each server's Raft role. OptimisticFailureTolerance, read replicas,
 * redundancy zones and upgrade state come from Consul Enterprise: 0 and absent here, as in Consul's OSS build.
 */
export function autopilotStateReply(
  health: readonly ServerHealth[],
  details: (id: string) => ServerDetails,
  wallAtNowMs: (clockMs: number) => number,
): AutopilotStateReply {
  const voters = health.filter((server) => server.voter);
  const healthyVoters = voters.filter((server) => server.healthy).length;
  const servers: Record<string, AutopilotStateServerReply> = {};
  // Go's encoder writes map keys sorted: servers by ID, meta by key.
  for (const server of [...health].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const { version, meta } = details(server.id);
    servers[server.id] = {
      ID: server.id,
      Name: server.name,
      Address: server.address,
      NodeStatus: nodeStatus(server.serfStatus),
      Version: version,
      // A server that did not answer has no figures yet: raft-autopilot's zero Stats.
      LastContact: goDuration(Math.max(0, server.lastContactMs)),
      LastTerm: server.lastTerm,
      LastIndex: server.lastIndex,
      Healthy: server.healthy,
      StableSince: goTime(wallAtNowMs(server.stableSinceMs)),
      ReadReplica: false,
      Status: server.leader ? 'leader' : server.voter ? 'voter' : 'non-voter',
      Meta:
        meta === null
          ? null
          : Object.fromEntries(Object.entries(meta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      NodeType: 'voter',
    };
  }
  return {
    Healthy: health.every((server) => server.healthy),
    FailureTolerance: Math.max(0, healthyVoters - quorumOf(voters.length)),
    OptimisticFailureTolerance: 0,
    Servers: servers,
    Leader: health.find((server) => server.leader)?.id ?? '',
    Voters: voters.map((server) => server.id),
  };
}
