// The in-memory state store: a set of tables (catalog now; KV, sessions, intentions, config entries and CA roots
// register more schemas in `storeSchemas`), the index table, and the watch registry. Every write is one
// transaction at one Raft index, all-or-nothing; reads are synchronous functions over the current tables (see
// catalog-reads.ts, health-reads.ts, coordinates.ts). Pure: no clock, timers or I/O.

import { assert } from '../../lib/assert.js';
import { InvalidWriteError } from './errors.js';
import { IndexTable } from './indexes.js';
import { LockDelays } from './lock-delay.js';
import { autopilotSchemas } from './tables/autopilot.js';
import { catalogIntegrityProblem, catalogSchemas } from './tables/catalog.js';
import { connectSchemas } from './tables/connect.js';
import { kvSchemas } from './tables/kv.js';
import { preparedQuerySchemas } from './tables/prepared-queries.js';
import { Table, type TableSchema } from './tables/table.js';
import { deepFreeze, type TableSource, WriteTxn } from './txn.js';
import { type WatchCallback, WatchRegistry, type WatchSet } from './watch.js';

/** Every table the store holds, in snapshot order. Later tables (KV, sessions, ...) are appended here. */
// biome-ignore lint/suspicious/noExplicitAny: a list of schemas of different row types
export const storeSchemas: readonly TableSchema<any>[] = [
  ...Object.values(catalogSchemas),
  ...Object.values(kvSchemas),
  ...Object.values(connectSchemas),
  ...Object.values(preparedQuerySchemas),
  ...Object.values(autopilotSchemas),
];

/** A point-in-time view for snapshots: the tables' row maps and the index table, never changed afterwards. */
export interface StoreCapture {
  /** Rows by table name, in `storeSchemas` order. */
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  readonly indexes: ReadonlyMap<string, number>;
}

/** What a restore loads: rows per table name and the index entries. */
export interface StoreContents {
  readonly tables: Iterable<readonly [string, Iterable<unknown>]>;
  readonly indexes: Iterable<readonly [string, number]>;
}

/** A read's answer: the value, the index to report as `X-Consul-Index`, and the keys to watch for a change. */
export interface QueryResult<T> {
  readonly index: number;
  readonly value: T;
  readonly watch: WatchSet;
}

export interface StateStoreOptions {
  /** Told about a watch callback that threw (the store itself carries on). */
  readonly onWatchError?: (error: unknown) => void;
  /** The clock lock delays are measured on (Consul's time.Now in the FSM); without one they never block. */
  readonly nowMs?: () => number;
}

export class StateStore implements TableSource {
  private tables = new Map<string, Table<unknown>>();
  private indexTable = new IndexTable();
  private readonly watches: WatchRegistry;
  private lastWriteIndex = 0;
  private generationValue = 0;
  /** Keys of invalidated sessions that may not be acquired yet (memory only, as Consul's). */
  readonly lockDelays: LockDelays;

  constructor(options: StateStoreOptions = {}) {
    this.watches = new WatchRegistry(options.onWatchError);
    this.lockDelays = new LockDelays(options.nowMs ?? (() => Number.NEGATIVE_INFINITY));
    for (const schema of storeSchemas) this.tables.set(schema.name, new Table(schema));
  }

  table<Row>(schema: TableSchema<Row>): Table<Row> {
    const table = this.tables.get(schema.name);
    assert(table !== undefined, `unknown table ${schema.name}`);
    return table as Table<Row>;
  }

  get indexes(): IndexTable {
    return this.indexTable;
  }

  /** Moves on every committed write that changed something and on restore: a key for caching derived answers. */
  get generation(): number {
    return this.generationValue;
  }

  /** The highest index any write has reached (0 for an empty store). */
  latestIndex(): number {
    return Math.max(this.lastWriteIndex, this.indexTable.latest());
  }

  /**
   * Runs `change` as one transaction at Raft `index`: on success its rows and indexes commit together and the
   * watchers of the keys it touched fire; if it throws, every change is undone and the error propagates.
   */
  write<T>(index: number, change: (txn: WriteTxn) => T): T {
    assert(Number.isSafeInteger(index) && index > 0, `write index must be a positive integer, got ${index}`);
    const txn = new WriteTxn(this, index);
    let result: T;
    try {
      result = change(txn);
    } catch (error) {
      txn.rollback();
      throw error;
    }
    const touched = txn.commit();
    this.lastWriteIndex = Math.max(this.lastWriteIndex, index);
    if (touched.size > 0) {
      this.generationValue++;
      this.watches.fire(touched);
    }
    return result;
  }

  /** Calls `callback` once, when any key of `watch` fires or the store is restored; returns a cancel function. */
  watch(watch: WatchSet | Iterable<string>, callback: WatchCallback): () => void {
    return this.watches.watch(watch, callback);
  }

  get watcherCount(): number {
    return this.watches.watcherCount;
  }

  watchersOn(key: string): number {
    return this.watches.watchersOn(key);
  }

  /** Captures the current rows and indexes in O(number of tables); later writes copy instead of mutating them. */
  capture(): StoreCapture {
    const tables = new Map<string, ReadonlyMap<string, unknown>>();
    for (const [name, table] of this.tables) tables.set(name, table.capture());
    return { tables, indexes: this.indexTable.capture() };
  }

  /** Replaces everything with `contents` (validated first), then fires every watcher with reason `restore`. */
  restore(contents: StoreContents): void {
    const tables = new Map<string, Table<unknown>>();
    for (const schema of storeSchemas) tables.set(schema.name, new Table(schema));
    for (const [name, rows] of contents.tables) {
      const table = tables.get(name);
      if (!table) throw new InvalidWriteError(`snapshot holds an unknown table ${JSON.stringify(name)}`);
      for (const row of rows) {
        if (typeof row !== 'object' || row === null)
          throw new InvalidWriteError(`snapshot row of ${name} is not an object`);
        try {
          table.put(deepFreeze(row));
        } catch (error) {
          throw new InvalidWriteError(`snapshot row of ${name} is malformed`, { cause: error });
        }
      }
    }
    const problem = catalogIntegrityProblem(
      <Row>(schema: TableSchema<Row>) => tables.get(schema.name) as unknown as Table<Row>,
    );
    if (problem !== null) throw new InvalidWriteError(`snapshot is inconsistent: ${problem}`);
    const indexes = new IndexTable();
    for (const [key, value] of contents.indexes) {
      if (!Number.isSafeInteger(value) || value < 0) throw new InvalidWriteError(`snapshot index ${key} is invalid`);
      indexes.set(key, value);
    }
    this.tables = tables;
    this.indexTable = indexes;
    this.lastWriteIndex = indexes.latest();
    this.generationValue++;
    this.watches.fireAll('restore');
  }
}
