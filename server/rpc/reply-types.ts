// Reply shapes that the HTTP API sends as they are, in Consul's JSON field names, in a module with no imports so
// the web UI (ui/, built for the browser) can share them with the servers instead of redefining them.

/** One server in Consul's autopilot health (`/v1/operator/autopilot/health`), durations as Go strings. */
export interface AutopilotServerHealthReply {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly SerfStatus: string;
  readonly Version: string;
  readonly Leader: boolean;
  readonly LastContact: string;
  readonly LastTerm: number;
  readonly LastIndex: number;
  readonly Healthy: boolean;
  readonly Voter: boolean;
  readonly StableSince: string;
}

/** Consul's autopilot health (`/v1/operator/autopilot/health`). */
export interface AutopilotHealthReply {
  readonly Healthy: boolean;
  readonly FailureTolerance: number;
  readonly Servers: readonly AutopilotServerHealthReply[];
}

/** One datacenter's servers with their WAN coordinates (`/v1/coordinate/datacenters`), node names without ".<dc>". */
export interface DatacenterMapReply {
  readonly Datacenter: string;
  readonly AreaID: string;
  readonly Coordinates: readonly {
    readonly Node: string;
    readonly Coord: {
      readonly Vec: readonly number[];
      readonly Error: number;
      readonly Adjustment: number;
      readonly Height: number;
    };
  }[];
}

/** `/v1/connect/intentions/check`: whether a connection from the source to the destination is allowed. */
export interface IntentionCheckReply {
  readonly Allowed: boolean;
}

/** The `Config` block of `/v1/agent/self`: who the agent is (the UI reads its datacenter from here). */
export interface AgentSelfConfigReply {
  readonly Datacenter: string;
  readonly PrimaryDatacenter: string;
  readonly NodeName: string;
  readonly NodeID: string;
  readonly Revision: string;
  readonly Server: boolean;
  readonly Version: string;
  readonly BuildDate: string;
}

/** One server in Consul's api.AutopilotServer (`/v1/operator/autopilot/state`). */
export interface AutopilotStateServerReply {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  /** raft-autopilot's NodeStatus: alive (leaving counts as alive), left, failed or unknown. */
  readonly NodeStatus: string;
  readonly Version: string;
  readonly LastContact: string;
  readonly LastTerm: number;
  readonly LastIndex: number;
  readonly Healthy: boolean;
  readonly StableSince: string;
  readonly ReadReplica: boolean;
  /** leader, voter, non-voter (staging and none do not occur without Enterprise's upgrade migration). */
  readonly Status: string;
  /** The server's catalog node meta (Consul reads it from the state store); null before it registered. */
  readonly Meta: Readonly<Record<string, string>> | null;
  readonly NodeType: string;
}

/** Consul's api.AutopilotState (OSS: no RedundancyZones, ReadReplicas or Upgrade, which are omitted when empty). */
export interface AutopilotStateReply {
  readonly Healthy: boolean;
  readonly FailureTolerance: number;
  readonly OptimisticFailureTolerance: number;
  readonly Servers: Readonly<Record<string, AutopilotStateServerReply>>;
  readonly Leader: string;
  readonly Voters: readonly string[];
}
