// A simulated node's disk: what the process sees (log, hard state, snapshot) and what a crash leaves behind.
// Writes land in the visible view at once; only a sync (a Ready with mustSync, or a snapshot save, which
// a real store does with fsync and rename) makes them durable. A crash rebuilds the view from the durable copy.

import { MemoryLogStorage } from '../../raft/core/log-storage.js';
import type { Entry, HardState, SnapshotMeta } from '../../raft/core/types.js';

/** The KV state a snapshot carries. */
export type KvSnapshotData = ReadonlyMap<string, string>;

interface DiskState {
  storage: MemoryLogStorage;
  hardState: HardState;
  snapshotData: KvSnapshotData | null;
}

type Operation =
  | { kind: 'append'; entries: readonly Entry[] }
  | { kind: 'hard-state'; hardState: HardState }
  | { kind: 'install'; meta: SnapshotMeta; data: KvSnapshotData }
  | { kind: 'compact'; index: number };

function applyOperation(state: DiskState, operation: Operation): void {
  switch (operation.kind) {
    case 'append':
      state.storage.append(operation.entries);
      return;
    case 'hard-state':
      state.hardState = operation.hardState;
      return;
    case 'install':
      state.storage.applySnapshot(operation.meta);
      state.snapshotData = operation.data;
      return;
    case 'compact':
      state.storage.compact(operation.index);
      return;
  }
}

export class SimDisk {
  private durable: DiskState;
  private view: DiskState;
  private unsynced: Operation[] = [];
  lostWriteCount = 0;

  constructor(bootstrapEntries: readonly Entry[], hardState: HardState) {
    const storage = new MemoryLogStorage();
    storage.append(bootstrapEntries);
    this.durable = { storage, hardState, snapshotData: null };
    this.view = { storage: storage.clone(), hardState, snapshotData: null };
  }

  get storage(): MemoryLogStorage {
    return this.view.storage;
  }

  get hardState(): HardState {
    return this.view.hardState;
  }

  get snapshotData(): KvSnapshotData | null {
    return this.view.snapshotData;
  }

  private write(operation: Operation): void {
    applyOperation(this.view, operation);
    this.unsynced.push(operation);
  }

  install(meta: SnapshotMeta, data: KvSnapshotData): void {
    this.write({ kind: 'install', meta, data });
  }

  append(entries: readonly Entry[]): void {
    if (entries.length > 0) this.write({ kind: 'append', entries });
  }

  setHardState(hardState: HardState): void {
    this.write({ kind: 'hard-state', hardState });
  }

  compact(index: number): void {
    this.write({ kind: 'compact', index });
  }

  sync(): void {
    for (const operation of this.unsynced) applyOperation(this.durable, operation);
    this.unsynced = [];
  }

  /** Saving a snapshot is atomic and durable (temp file, fsync, rename); earlier unsynced writes sync with it. */
  saveSnapshot(meta: SnapshotMeta, data: KvSnapshotData): void {
    this.sync();
    this.view.storage.setSnapshot(meta);
    this.durable.storage.setSnapshot(meta);
    this.view.snapshotData = data;
    this.durable.snapshotData = data;
  }

  /** Loses every unsynced write. */
  crash(): void {
    this.lostWriteCount += this.unsynced.length;
    this.unsynced = [];
    this.view = {
      storage: this.durable.storage.clone(),
      hardState: this.durable.hardState,
      snapshotData: this.durable.snapshotData,
    };
  }
}
