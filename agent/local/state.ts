// LocalState: the services and checks this agent owns, with their sync status. Every change marks the entry out
// of sync and tells the listeners (anti-entropy syncs at once, hash-blocking HTTP readers wake). A check whose
// output alone changed is synced only after check_update_interval, so chatty checks do not churn the Raft log
// (Consul's deferred check sync).

import type { Clock, Timer } from '../../lib/clock.js';
import type { HealthStatus } from '../../server/state/types.js';
import type { CheckDefinition } from '../config/types.js';
import type { LocalCheck, LocalCheckRow, LocalNode, LocalService, LocalServiceRow, LocalSource } from './types.js';

export interface LocalStateComponents {
  readonly clock: Clock;
}

export interface LocalStateConfig {
  readonly node: LocalNode;
  /** Zero syncs output changes at once. */
  readonly checkUpdateIntervalMs: number;
}

export type LocalChange =
  | { readonly kind: 'service'; readonly id: string }
  | { readonly kind: 'check'; readonly id: string }
  | { readonly kind: 'node' };

export class LocalState {
  private readonly serviceEntries = new Map<string, LocalService>();
  private readonly checkEntries = new Map<string, LocalCheck>();
  private readonly deferTimers = new Map<string, Timer>();
  private readonly listeners = new Set<(change: LocalChange) => void>();
  private nodeEntry: LocalNode;
  private nodeInSyncFlag = false;
  private versionCounter = 0;

  constructor(
    private readonly components: LocalStateComponents,
    private readonly config: LocalStateConfig,
  ) {
    this.nodeEntry = config.node;
  }

  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: (change: LocalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- node ---------------------------------------------------------------------------------------------------------

  node(): LocalNode {
    return this.nodeEntry;
  }

  nodeInSync(): boolean {
    return this.nodeInSyncFlag;
  }

  setNode(node: LocalNode): void {
    this.nodeEntry = node;
    this.nodeInSyncFlag = false;
    this.notify({ kind: 'node' });
  }

  markNodeSynced(node: LocalNode): void {
    if (node === this.nodeEntry) this.nodeInSyncFlag = true;
  }

  markNodeOutOfSync(): void {
    this.nodeInSyncFlag = false;
  }

  // --- services -----------------------------------------------------------------------------------------------------

  /** Live services (not deleted), by ID. */
  services(): LocalService[] {
    return [...this.serviceEntries.values()].filter((entry) => !entry.deleted);
  }

  /** Every entry, deleted ones still waiting for the servers included (anti-entropy's view). */
  serviceEntriesForSync(): LocalService[] {
    return [...this.serviceEntries.values()];
  }

  service(id: string): LocalService | undefined {
    const entry = this.serviceEntries.get(id);
    return entry && !entry.deleted ? entry : undefined;
  }

  addService(row: LocalServiceRow, token: string, source: LocalSource): void {
    this.serviceEntries.set(row.ID, {
      row: Object.freeze(row),
      token,
      source,
      inSync: false,
      deleted: false,
      version: ++this.versionCounter,
    });
    // Checks carry the service's name and tags in the catalog; keep them in step.
    for (const check of this.checkEntries.values()) {
      if (check.row.ServiceID !== row.ID || check.deleted) continue;
      this.replaceCheck(check, { ServiceName: row.Service, ServiceTags: row.Tags }, false, check.deferOutput);
    }
    this.notify({ kind: 'service', id: row.ID });
  }

  /** Marks the service deleted (anti-entropy removes it from the servers, then forgets it). False if unknown. */
  removeService(id: string): boolean {
    const entry = this.serviceEntries.get(id);
    if (!entry || entry.deleted) return false;
    this.serviceEntries.set(id, { ...entry, inSync: false, deleted: true, version: ++this.versionCounter });
    this.notify({ kind: 'service', id });
    return true;
  }

  markServiceSynced(id: string, version: number): void {
    const entry = this.serviceEntries.get(id);
    if (!entry || entry.version !== version) return;
    if (entry.deleted) this.serviceEntries.delete(id);
    else this.serviceEntries.set(id, { ...entry, inSync: true });
  }

  /** EnableTagOverride: takes the catalog's tags for an in-sync service without marking it out of sync. */
  adoptServiceTags(id: string, version: number, tags: readonly string[]): void {
    const entry = this.serviceEntries.get(id);
    if (!entry || entry.version !== version || entry.deleted) return;
    this.serviceEntries.set(id, { ...entry, row: Object.freeze({ ...entry.row, Tags: [...tags] }) });
  }

  markServiceOutOfSync(id: string): void {
    const entry = this.serviceEntries.get(id);
    if (entry?.inSync) this.serviceEntries.set(id, { ...entry, inSync: false });
  }

  // --- checks -------------------------------------------------------------------------------------------------------

  checks(): LocalCheck[] {
    return [...this.checkEntries.values()].filter((entry) => !entry.deleted);
  }

  checkEntriesForSync(): LocalCheck[] {
    return [...this.checkEntries.values()];
  }

  check(id: string): LocalCheck | undefined {
    const entry = this.checkEntries.get(id);
    return entry && !entry.deleted ? entry : undefined;
  }

  /** Checks of one service, in registration order. */
  serviceChecks(serviceId: string): LocalCheck[] {
    return this.checks().filter((entry) => entry.row.ServiceID === serviceId);
  }

  addCheck(row: LocalCheckRow, definition: CheckDefinition | null, token: string, source: LocalSource): void {
    const service = row.ServiceID === '' ? undefined : this.service(row.ServiceID);
    const filled: LocalCheckRow = service
      ? { ...row, ServiceName: service.row.Service, ServiceTags: service.row.Tags }
      : row;
    this.cancelDefer(row.CheckID);
    this.checkEntries.set(row.CheckID, {
      row: Object.freeze(filled),
      definition,
      token,
      source,
      inSync: false,
      deleted: false,
      version: ++this.versionCounter,
      deferOutput: false,
    });
    this.notify({ kind: 'check', id: row.CheckID });
  }

  removeCheck(id: string): boolean {
    const entry = this.checkEntries.get(id);
    if (!entry || entry.deleted) return false;
    this.cancelDefer(id);
    this.checkEntries.set(id, {
      ...entry,
      inSync: false,
      deleted: true,
      deferOutput: false,
      version: ++this.versionCounter,
    });
    this.notify({ kind: 'check', id });
    return true;
  }

  /**
   * Records a check result. A status change syncs at once; an output-only change is deferred by
   * check_update_interval. Returns false for an unknown check.
   */
  updateCheck(id: string, status: HealthStatus, output: string): boolean {
    const entry = this.check(id);
    if (!entry) return false;
    if (entry.row.Status === status && entry.row.Output === output) return true;
    const statusChanged = entry.row.Status !== status;
    if (statusChanged || this.config.checkUpdateIntervalMs === 0) {
      this.cancelDefer(id);
      this.replaceCheck(entry, { Status: status, Output: output }, false, false);
      this.notify({ kind: 'check', id });
      return true;
    }
    // Output only: keep the sync status; arm one timer that marks the check out of sync later.
    const updated = this.replaceCheck(entry, { Output: output }, entry.inSync, true);
    if (!this.deferTimers.has(id)) {
      this.deferTimers.set(
        id,
        this.components.clock.setTimer(this.config.checkUpdateIntervalMs, () => {
          this.deferTimers.delete(id);
          const current = this.check(id);
          if (!current) return;
          this.checkEntries.set(id, { ...current, deferOutput: false, inSync: false });
          this.notify({ kind: 'check', id });
        }),
      );
    }
    return updated;
  }

  markCheckSynced(id: string, version: number): void {
    const entry = this.checkEntries.get(id);
    if (!entry || entry.version !== version) return;
    if (entry.deleted) this.checkEntries.delete(id);
    else this.checkEntries.set(id, { ...entry, inSync: true });
  }

  markCheckOutOfSync(id: string): void {
    const entry = this.checkEntries.get(id);
    if (entry?.inSync) this.checkEntries.set(id, { ...entry, inSync: false });
  }

  /** Cancels deferred-output timers (agent stop). */
  close(): void {
    for (const timer of this.deferTimers.values()) timer.cancel();
    this.deferTimers.clear();
    this.listeners.clear();
  }

  private replaceCheck(entry: LocalCheck, fields: Partial<LocalCheckRow>, inSync: boolean, deferOutput: boolean): true {
    this.checkEntries.set(entry.row.CheckID, {
      ...entry,
      row: Object.freeze({ ...entry.row, ...fields }),
      inSync,
      deferOutput,
      version: ++this.versionCounter,
    });
    return true;
  }

  private cancelDefer(id: string): void {
    this.deferTimers.get(id)?.cancel();
    this.deferTimers.delete(id);
  }

  private notify(change: LocalChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
