// One table of the state store: rows by primary key plus secondary indexes, read in primary-key order as
// go-memdb iterates. The primary map is copy-on-write: capture() hands it to a snapshot and the next write
// copies it first, so a snapshot costs O(1) per table and never sees later writes. Secondary indexes are
// derived data, rebuilt on restore, and mutated in place.

import { assert } from '../../../lib/assert.js';

export interface TableSchema<Row> {
  readonly name: string;
  /** Unique, stable key of a row; reads return rows sorted by it. */
  primaryKey(row: Row): string;
  /** Named non-unique indexes: each maps a row to the index values it is found under. */
  readonly indexes: Readonly<Record<string, (row: Row) => readonly string[]>>;
}

interface Bucket<Row> {
  readonly rows: Map<string, Row>;
  sorted: readonly Row[] | null;
}

function sortedRows<Row>(rows: ReadonlyMap<string, Row>): Row[] {
  const keys = [...rows.keys()].sort();
  return keys.map((key) => rows.get(key) as Row);
}

export class Table<Row> {
  private rows: Map<string, Row>;
  private captured = false;
  private sortedAll: readonly Row[] | null = null;
  private readonly secondary = new Map<string, Map<string, Bucket<Row>>>();

  constructor(
    readonly schema: TableSchema<Row>,
    rows: Iterable<Row> = [],
  ) {
    this.rows = new Map();
    for (const name of Object.keys(schema.indexes)) this.secondary.set(name, new Map());
    for (const row of rows) this.put(row);
  }

  get name(): string {
    return this.schema.name;
  }

  get size(): number {
    return this.rows.size;
  }

  get(primaryKey: string): Row | undefined {
    return this.rows.get(primaryKey);
  }

  /** Every row, in primary-key order; the array is shared until the next write and must not be changed. */
  all(): readonly Row[] {
    this.sortedAll ??= sortedRows(this.rows);
    return this.sortedAll;
  }

  /** Rows found under `value` in the named index, in primary-key order. */
  lookup(indexName: string, value: string): readonly Row[] {
    const index = this.secondary.get(indexName);
    assert(index !== undefined, `table ${this.name} has no index ${indexName}`);
    const bucket = index.get(value);
    if (!bucket) return [];
    bucket.sorted ??= sortedRows(bucket.rows);
    return bucket.sorted;
  }

  /** How many rows are found under `value` in the named index. */
  count(indexName: string, value: string): number {
    return this.secondary.get(indexName)?.get(value)?.rows.size ?? 0;
  }

  /** Inserts or replaces the row with the same primary key; returns the row replaced. */
  put(row: Row): Row | undefined {
    const key = this.schema.primaryKey(row);
    const previous = this.mutableRows().get(key);
    if (previous !== undefined) this.unindex(key, previous);
    this.rows.set(key, row);
    this.index(key, row);
    this.sortedAll = null;
    return previous;
  }

  /** Removes the row with this primary key; returns it. */
  delete(primaryKey: string): Row | undefined {
    const previous = this.rows.get(primaryKey);
    if (previous === undefined) return undefined;
    this.mutableRows().delete(primaryKey);
    this.unindex(primaryKey, previous);
    this.sortedAll = null;
    return previous;
  }

  /** The rows as of now, for a snapshot: later writes copy the map instead of changing this one. */
  capture(): ReadonlyMap<string, Row> {
    this.captured = true;
    return this.rows;
  }

  private mutableRows(): Map<string, Row> {
    if (this.captured) {
      this.rows = new Map(this.rows);
      this.captured = false;
    }
    return this.rows;
  }

  private index(key: string, row: Row): void {
    for (const [name, values] of Object.entries(this.schema.indexes)) {
      const index = this.secondary.get(name) as Map<string, Bucket<Row>>;
      for (const value of values(row)) {
        let bucket = index.get(value);
        if (!bucket) {
          bucket = { rows: new Map(), sorted: null };
          index.set(value, bucket);
        }
        bucket.rows.set(key, row);
        bucket.sorted = null;
      }
    }
  }

  private unindex(key: string, row: Row): void {
    for (const [name, values] of Object.entries(this.schema.indexes)) {
      const index = this.secondary.get(name) as Map<string, Bucket<Row>>;
      for (const value of values(row)) {
        const bucket = index.get(value);
        if (!bucket) continue;
        bucket.rows.delete(key);
        bucket.sorted = null;
        if (bucket.rows.size === 0) index.delete(value);
      }
    }
  }
}
