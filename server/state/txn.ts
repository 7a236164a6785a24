// A write transaction: every change made at one Raft index, with an undo log so a failed validation halfway
// through (a check naming a missing service after the node was written) leaves the store exactly as it was.
// The keys it touched are collected and fired only after a commit.

import { assert } from '../../lib/assert.js';
import type { IndexTable } from './indexes.js';
import type { LockDelays } from './lock-delay.js';
import type { Table, TableSchema } from './tables/table.js';

type Undo = () => void;

/** Freezes a row and everything inside it, so stored rows (shared with readers and snapshots) cannot change. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value as object)) deepFreeze(inner);
  return Object.freeze(value);
}

export interface TableSource {
  table<Row>(schema: TableSchema<Row>): Table<Row>;
  readonly indexes: IndexTable;
  readonly lockDelays?: LockDelays;
}

export class WriteTxn {
  private readonly undoLog: Undo[] = [];
  private readonly touched = new Set<string>();
  private open = true;

  constructor(
    private readonly source: TableSource,
    /** The Raft index every row and index written here gets. */
    readonly index: number,
  ) {}

  table<Row>(schema: TableSchema<Row>): Table<Row> {
    return this.source.table(schema);
  }

  get indexes(): IndexTable {
    return this.source.indexes;
  }

  /** The store's lock-delay table (session invalidation writes it; KV lock reads it). */
  get lockDelays(): LockDelays | undefined {
    return this.source.lockDelays;
  }

  /** Inserts or replaces a row (frozen on the way in); returns the row it replaced. */
  put<Row>(schema: TableSchema<Row>, row: Row): Row | undefined {
    this.assertOpen();
    const table = this.source.table(schema);
    const previous = table.put(deepFreeze(row));
    const key = schema.primaryKey(row);
    this.undoLog.push(() => {
      if (previous === undefined) table.delete(key);
      else table.put(previous);
    });
    return previous;
  }

  delete<Row>(schema: TableSchema<Row>, primaryKey: string): Row | undefined {
    this.assertOpen();
    const table = this.source.table(schema);
    const previous = table.delete(primaryKey);
    if (previous !== undefined) this.undoLog.push(() => table.put(previous));
    return previous;
  }

  /** Moves index entry `key` to this transaction's index and fires its watchers on commit. */
  bumpIndex(key: string): void {
    this.setIndex(key, this.index);
  }

  setIndex(key: string, value: number): void {
    this.assertOpen();
    const previous = this.source.indexes.set(key, value);
    this.undoLog.push(() => {
      if (previous === undefined) this.source.indexes.delete(key);
      else this.source.indexes.set(key, previous);
    });
    this.touched.add(key);
  }

  deleteIndex(key: string): void {
    this.assertOpen();
    const previous = this.source.indexes.delete(key);
    if (previous !== undefined) this.undoLog.push(() => this.source.indexes.set(key, previous));
    this.touched.add(key);
  }

  /** Fires a watch-only key on commit. */
  touch(key: string): void {
    this.touched.add(key);
  }

  /** Ends the transaction and returns the keys to fire. */
  commit(): ReadonlySet<string> {
    this.assertOpen();
    this.open = false;
    return this.touched;
  }

  /** Undoes every change, newest first. */
  rollback(): void {
    this.assertOpen();
    this.open = false;
    for (let position = this.undoLog.length - 1; position >= 0; position--) (this.undoLog[position] as Undo)();
  }

  private assertOpen(): void {
    assert(this.open, 'write transaction already ended');
  }
}
