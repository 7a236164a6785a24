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
