// Anti-entropy's decision, kept pure (STYLE §3.1): given what the agent holds and (for a full sync) what the
// catalog holds for this node, which registrations and deregistrations bring the catalog in line, and which local
// entries are already in sync. Consul agent/local/state.go updateSyncState + SyncChanges, as a function.

import { setOwn } from '../../lib/records.js';
import type { HealthCheck, Node, NodeService } from '../../server/state/types.js';
import { type LocalCheck, type LocalNode, type LocalService, serfHealthCheckId } from '../local/types.js';

/** The catalog's view of this node: null node = not registered. */
export interface RemoteState {
  readonly node: Node | null;
  readonly services: readonly NodeService[];
  readonly checks: readonly HealthCheck[];
}

export interface SyncInput {
  readonly node: LocalNode;
  readonly nodeInSync: boolean;
  readonly services: readonly LocalService[];
  readonly checks: readonly LocalCheck[];
  /** null: a partial sync, trusting the local sync flags (no catalog read). */
  readonly remote: RemoteState | null;
  /** Servers own the `consul` service in the catalog; their agent must not remove it. */
  readonly isServer: boolean;
}

export type SyncOp =
  | { readonly kind: 'register-node' }
  | { readonly kind: 'register-service'; readonly id: string; readonly version: number }
  | { readonly kind: 'register-check'; readonly id: string; readonly version: number }
  /** `version` null: only the catalog has it (nothing local to mark). */
  | { readonly kind: 'deregister-check'; readonly id: string; readonly version: number | null }
  | { readonly kind: 'deregister-service'; readonly id: string; readonly version: number | null };

export interface SyncPlan {
  /** In order: node, service registrations, check registrations, check removals, service removals. */
  readonly ops: readonly SyncOp[];
  /** Local entries found equal to the catalog (full sync only): mark them synced at these versions. */
  readonly alreadyInSync: {
    readonly node: boolean;
    readonly services: readonly { readonly id: string; readonly version: number }[];
    readonly checks: readonly { readonly id: string; readonly version: number }[];
  };
  /** Services with EnableTagOverride whose catalog tags differ: the agent takes the catalog's (Consul does too). */
  readonly adoptTags: readonly { readonly id: string; readonly version: number; readonly tags: readonly string[] }[];
}

/** The service ID servers register for themselves. */
export const consulServiceId = 'consul';

export function planSync(input: SyncInput): SyncPlan {
  return input.remote === null ? planPartial(input) : planFull(input, input.remote);
}

function planPartial(input: SyncInput): SyncPlan {
  const ops: SyncOp[] = [];
  if (!input.nodeInSync) ops.push({ kind: 'register-node' });
  for (const entry of input.services)
    if (!entry.inSync && !entry.deleted)
      ops.push({ kind: 'register-service', id: entry.row.ID, version: entry.version });
  for (const entry of input.checks)
    if (!entry.inSync && !entry.deleted)
      ops.push({ kind: 'register-check', id: entry.row.CheckID, version: entry.version });
  for (const entry of input.checks)
    if (!entry.inSync && entry.deleted)
      ops.push({ kind: 'deregister-check', id: entry.row.CheckID, version: entry.version });
  for (const entry of input.services)
    if (!entry.inSync && entry.deleted)
      ops.push({ kind: 'deregister-service', id: entry.row.ID, version: entry.version });
  return { ops, alreadyInSync: { node: false, services: [], checks: [] }, adoptTags: [] };
}

function planFull(input: SyncInput, remote: RemoteState): SyncPlan {
  const registerServices: SyncOp[] = [];
  const registerChecks: SyncOp[] = [];
  const deregisterChecks: SyncOp[] = [];
  const deregisterServices: SyncOp[] = [];
  const servicesInSync: { id: string; version: number }[] = [];
  const adoptTags: { id: string; version: number; tags: readonly string[] }[] = [];
  const checksInSync: { id: string; version: number }[] = [];

  const nodeSame = remote.node !== null && sameNode(input.node, remote.node);
  const remoteServices = byKey(remote.services, (service) => service.ID);
  const remoteChecks = byKey(remote.checks, (check) => check.CheckID);
  const localServiceIds = new Set(input.services.map((entry) => entry.row.ID.toLowerCase()));
  const localCheckIds = new Set(input.checks.map((entry) => entry.row.CheckID.toLowerCase()));

  for (const entry of input.services) {
    const theirs = remoteServices.get(entry.row.ID.toLowerCase());
    const marker = { id: entry.row.ID, version: entry.version };
    if (entry.deleted) {
      if (theirs) deregisterServices.push({ kind: 'deregister-service', ...marker });
      else servicesInSync.push(marker);
    } else if (theirs && sameService(entry, theirs)) {
      servicesInSync.push(marker);
      if (entry.row.EnableTagOverride && !sameValue(entry.row.Tags, theirs.Tags))
        adoptTags.push({ ...marker, tags: [...(theirs.Tags ?? [])] });
    } else registerServices.push({ kind: 'register-service', ...marker });
  }
  const removedServices = new Set<string>();
  for (const [key, service] of remoteServices) {
    if (localServiceIds.has(key)) continue;
    if (input.isServer && key === consulServiceId) continue;
    removedServices.add(key);
    deregisterServices.push({ kind: 'deregister-service', id: service.ID, version: null });
  }

  for (const entry of input.checks) {
    const theirs = remoteChecks.get(entry.row.CheckID.toLowerCase());
    const marker = { id: entry.row.CheckID, version: entry.version };
    if (entry.deleted) {
      if (theirs) deregisterChecks.push({ kind: 'deregister-check', ...marker });
      else checksInSync.push(marker);
    } else if (theirs && sameCheck(entry, theirs)) checksInSync.push(marker);
    else registerChecks.push({ kind: 'register-check', ...marker });
  }
  for (const [key, check] of remoteChecks) {
    if (localCheckIds.has(key) || check.CheckID === serfHealthCheckId) continue;
    // Removing a service removes its checks with it.
    if (check.ServiceID !== '' && removedServices.has(check.ServiceID.toLowerCase())) continue;
    if (input.isServer && check.ServiceID.toLowerCase() === consulServiceId) continue;
    deregisterChecks.push({ kind: 'deregister-check', id: check.CheckID, version: null });
  }

  return {
    ops: [
      ...(nodeSame ? [] : [{ kind: 'register-node' } as const]),
      ...registerServices,
      ...registerChecks,
      ...deregisterChecks,
      ...deregisterServices,
    ],
    alreadyInSync: { node: nodeSame, services: servicesInSync, checks: checksInSync },
    adoptTags,
  };
}

function byKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [key(item).toLowerCase(), item]));
}

function sameNode(local: LocalNode, remote: Node): boolean {
  return (
    local.ID === remote.ID &&
    local.Address === remote.Address &&
    sameValue(local.TaggedAddresses, remote.TaggedAddresses) &&
    sameValue(local.Meta, remote.Meta)
  );
}

function sameService(local: LocalService, remote: NodeService): boolean {
  const row = local.row;
  // With EnableTagOverride, tags set in the catalog by others win and are not a difference.
  const fields: (keyof typeof row)[] = [
    'ID',
    'Service',
    'Address',
    'TaggedAddresses',
    'Meta',
    'Port',
    'Weights',
    'EnableTagOverride',
    'Kind',
    'Proxy',
    'Connect',
    'SocketPath',
  ];
  if (!row.EnableTagOverride) fields.push('Tags');
  return fields.every((field) => sameValue(row[field], remote[field]));
}

function sameCheck(local: LocalCheck, remote: HealthCheck): boolean {
  const row = local.row;
  const fields: (keyof typeof row)[] = ['Name', 'Status', 'Notes', 'ServiceID', 'ServiceName', 'ServiceTags'];
  // A pending deferred output sync: the output is allowed to differ until the timer marks the check out of sync.
  if (!local.deferOutput) fields.push('Output');
  return fields.every((field) => sameValue(row[field], remote[field]));
}

/**
 * Deep equality that treats empty values ("" / 0 / false / null / [] / {}) as absent, so a server that fills or
 * drops empty fields when it normalizes a row does not make every full sync re-register it.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = canonical((value as Record<string, unknown>)[key]);
      if (item !== undefined) setOwn(out, key, item);
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (value === '' || value === 0 || value === false || value === null) return undefined;
  return value;
}
