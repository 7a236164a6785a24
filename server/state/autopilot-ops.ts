// The autopilot configuration in the store (Consul state/autopilot.go): set, set only when absent (the leader's
// first write), or set with a check-and-set on the row's ModifyIndex; and the read. Field checks come first so a
// bad configuration changes nothing.

import { InvalidWriteError } from './errors.js';
import { tableIndexKey } from './indexes.js';
import type { QueryResult, StateStore } from './store.js';
import {
  type AutopilotConfigFields,
  type AutopilotConfigRow,
  autopilotConfigKey,
  autopilotConfigSchema,
} from './tables/autopilot.js';
import type { WriteTxn } from './txn.js';
import { WatchSet } from './watch.js';

export interface AutopilotSetRequest {
  readonly Config: AutopilotConfigFields;
  /** 'cas': only if the row's ModifyIndex is CasIndex (Consul's ?cas=); 'absent': only if there is no row yet. */
  readonly Mode: 'set' | 'cas' | 'absent';
  readonly CasIndex?: number;
}

function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidWriteError(`${field} must be a non-negative integer`);
  return value;
}

/** The fields as stored, checked one by one. */
export function normalizeAutopilotConfig(config: AutopilotConfigFields): AutopilotConfigFields {
  const text = (value: unknown, field: string): string => {
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw new InvalidWriteError(`${field} must be a string`);
    return value;
  };
  const flag = (value: unknown, field: string): boolean => {
    if (typeof value !== 'boolean') throw new InvalidWriteError(`${field} must be a boolean`);
    return value;
  };
  return {
    CleanupDeadServers: flag(config.CleanupDeadServers, 'CleanupDeadServers'),
    LastContactThresholdMs: nonNegativeInteger(config.LastContactThresholdMs, 'LastContactThreshold'),
    MaxTrailingLogs: nonNegativeInteger(config.MaxTrailingLogs, 'MaxTrailingLogs'),
    MinQuorum: nonNegativeInteger(config.MinQuorum, 'MinQuorum'),
    ServerStabilizationTimeMs: nonNegativeInteger(config.ServerStabilizationTimeMs, 'ServerStabilizationTime'),
    RedundancyZoneTag: text(config.RedundancyZoneTag, 'RedundancyZoneTag'),
    DisableUpgradeMigration: flag(config.DisableUpgradeMigration ?? false, 'DisableUpgradeMigration'),
    UpgradeVersionTag: text(config.UpgradeVersionTag, 'UpgradeVersionTag'),
  };
}

/** Applies the request; false when its condition (cas or absent) does not hold. */
export function autopilotSetTxn(txn: WriteTxn, request: AutopilotSetRequest): boolean {
  const fields = normalizeAutopilotConfig(request.Config);
  const existing = txn.table(autopilotConfigSchema).get(autopilotConfigKey);
  if (request.Mode === 'absent' && existing !== undefined) return false;
  if (request.Mode === 'cas' && (existing === undefined || existing.ModifyIndex !== request.CasIndex)) return false;
  txn.put(autopilotConfigSchema, {
    ...fields,
    CreateIndex: existing?.CreateIndex ?? txn.index,
    ModifyIndex: txn.index,
  });
  txn.bumpIndex(tableIndexKey(autopilotConfigSchema.name));
  return true;
}

export function autopilotSet(store: StateStore, index: number, request: AutopilotSetRequest): boolean {
  return store.write(index, (txn) => autopilotSetTxn(txn, request));
}

/** The stored configuration, or null before the leader first wrote it. */
export function autopilotConfig(store: StateStore): QueryResult<AutopilotConfigRow | null> {
  return {
    index: store.indexes.get(tableIndexKey(autopilotConfigSchema.name)),
    value: store.table(autopilotConfigSchema).get(autopilotConfigKey) ?? null,
    watch: new WatchSet([tableIndexKey(autopilotConfigSchema.name)]),
  };
}
