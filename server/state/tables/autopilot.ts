// The autopilot configuration table (Consul's autopilot-config schema): one row, set through Raft by
// Operator.AutopilotSetConfiguration and first written by the leader from the agent's configuration. Durations are
// kept in milliseconds; the HTTP edge shows them as Go durations ("200ms", "10s") as Consul does.

import type { TableSchema } from './table.js';

export interface AutopilotConfigRow {
  readonly CleanupDeadServers: boolean;
  readonly LastContactThresholdMs: number;
  readonly MaxTrailingLogs: number;
  readonly MinQuorum: number;
  readonly ServerStabilizationTimeMs: number;
  /** Enterprise-only in Consul; kept and returned so a round trip through the API loses nothing. */
  readonly RedundancyZoneTag: string;
  readonly DisableUpgradeMigration: boolean;
  readonly UpgradeVersionTag: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export type AutopilotConfigFields = Omit<AutopilotConfigRow, 'CreateIndex' | 'ModifyIndex'>;

export const autopilotConfigKey = 'config';

export const autopilotConfigSchema: TableSchema<AutopilotConfigRow> = {
  name: 'autopilot-config',
  primaryKey: () => autopilotConfigKey,
  indexes: {},
};

/** The autopilot tables by name, in snapshot order (after the prepared queries'). */
export const autopilotSchemas = { config: autopilotConfigSchema } as const;
