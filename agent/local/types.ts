// The agent's own record of what runs on this host: services and checks as Consul-shaped catalog rows (without
// Raft indexes), each with the ACL token it was registered with, where it came from, and whether the servers
// already hold it (anti-entropy's sync status, Consul's `InSync` / `Deleted`).

import type { HealthCheck, HealthStatus, NodeService } from '../../server/state/types.js';
import type { CheckDefinition } from '../config/types.js';

export type LocalServiceRow = Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;
export type LocalCheckRow = Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex'>;

/** `config`: from a config file (re-read on reload, never persisted); `api`: registered over HTTP (persisted). */
export type LocalSource = 'config' | 'api';

export interface LocalService {
  readonly row: LocalServiceRow;
  readonly token: string;
  readonly source: LocalSource;
  /** The servers hold exactly this row. */
  readonly inSync: boolean;
  /** Removed locally; kept until the servers have removed it too. */
  readonly deleted: boolean;
  /** Bumped on every change, so a sync finished for an older version does not mark a newer one synced. */
  readonly version: number;
}

export interface LocalCheck {
  readonly row: LocalCheckRow;
  /** How to run it; null for checks with nothing to run (maintenance). */
  readonly definition: CheckDefinition | null;
  readonly token: string;
  readonly source: LocalSource;
  readonly inSync: boolean;
  readonly deleted: boolean;
  readonly version: number;
  /** An output-only change waits for check_update_interval: while this is set, output differences are not synced. */
  readonly deferOutput: boolean;
}

/** The node's own catalog entry as the agent wants it. */
export interface LocalNode {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly Meta: Readonly<Record<string, string>>;
}

export const checkStatuses: readonly HealthStatus[] = ['passing', 'warning', 'critical'];

/** Consul's maintenance check IDs (clients aggregate them as `maintenance`). */
export const nodeMaintenanceCheckId = '_node_maintenance';
export const serviceMaintenanceCheckPrefix = '_service_maintenance:';
export const serviceMaintenanceCheckId = (serviceId: string): string => `${serviceMaintenanceCheckPrefix}${serviceId}`;
/** The check the leader keeps for every node from gossip; anti-entropy never touches it. */
export const serfHealthCheckId = 'serfHealth';
