// A LogStore on `level` (LevelDB): one key per entry, big-endian index so key order is index order, every record
// checksummed (entry-codec.ts). Appends go through GroupCommit, so concurrent appends share one synced batch.
// Compaction first records the new first index (synced), then clears the range, so a crash between the two
// leaves stale entries that open() ignores and deletes.

import { Level } from 'level';
import { assert } from '../../lib/assert.js';
import type { Entry } from '../core/types.js';
import { CorruptLogError, LogCompactedError } from '../errors.js';
import {
  decodeChecked,
  decodeEntryRecord,
  encodeChecked,
  encodeEntryRecord,
  indexFromKey,
  indexKey,
} from './entry-codec.js';
import { type BatchOperation, GroupCommit } from './group-commit.js';
import { findRecoveryCorruption } from './level-recovery.js';
import { checkAppend, type LogStore } from './log-store.js';

const metaPrefix = 0x00;
const entryPrefix = 0x01;
const firstIndexKey = Uint8Array.of(metaPrefix, 0x66); // "f"

/**
 * LevelDB's memtable (4 MiB by default): a Raft log is append-and-trim, so a larger memtable means fewer log-file
 * switches and level-0 compactions in the write path, at the cost of this much memory and replay on open.
 */
const writeBufferSizeBytes = 32 * 1024 * 1024;

type Database = Level<Uint8Array, Uint8Array>;

function encodeIndex(index: number): Uint8Array {
  return indexKey(0, index).subarray(1);
}

/**
 * One synced LevelDB write of `operations`, through a chained batch: the array form copies and re-validates every
 * operation object before the native call (abstract-level's #arrayBatch), which measured about twice the CPU per
 * entry, on the leader and every follower, for the same write.
 */
function writeChained(db: Database, operations: readonly BatchOperation[]): Promise<void> {
  const batch = db.batch();
  for (const operation of operations) {
    if (operation.type === 'del') batch.del(operation.key);
    else {
      assert(operation.value !== undefined, 'a put without a value');
      batch.put(operation.key, operation.value);
    }
  }
  return batch.write({ sync: true });
}

/** Wraps LevelDB's own corruption reports in our typed error; other failures pass through. */
function wrapLevelError(error: unknown, what: string): unknown {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code;
  const causeCode = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (code === 'LEVEL_CORRUPTION' || causeCode === 'LEVEL_CORRUPTION') {
    return new CorruptLogError(`${what}: LevelDB reports corruption`, { cause: error });
  }
  return error;
}

export class LevelLogStore implements LogStore {
  private readonly commits: GroupCommit;
  private failure: unknown = null;
  private closed = false;

  private constructor(
    private readonly db: Database,
    private first: number,
    private last: number,
  ) {
    this.commits = new GroupCommit((operations) => writeChained(this.db, operations));
  }

  /** Opens (creating if needed) the log at `path`, verifying every record; rejects with CorruptLogError. */
  static async open(path: string): Promise<LevelLogStore> {
    await LevelLogStore.refuseIfCorrupt(path);
    const db: Database = new Level<Uint8Array, Uint8Array>(path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      writeBufferSize: writeBufferSizeBytes,
    });
    try {
      await db.open();
      await LevelLogStore.refuseIfCorrupt(path);
      const { first, last } = await LevelLogStore.scan(db);
      return new LevelLogStore(db, first, last);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw wrapLevelError(error, `opening log ${path}`);
    }
  }

  private static async refuseIfCorrupt(path: string): Promise<void> {
    const problem = await findRecoveryCorruption(path);
    if (problem !== null) throw new CorruptLogError(`log at ${path}: ${problem}`);
  }

  /** Reads the recorded first index, deletes stale compacted records and checks every record left. */
  private static async scan(db: Database): Promise<{ first: number; last: number }> {
    const recorded = await db.get(firstIndexKey);
    let first = 1;
    if (recorded !== undefined) {
      const value = decodeChecked(recorded);
      if (value === null || value.byteLength !== 8) throw new CorruptLogError('log first-index record is corrupt');
      first = indexFromKey(Uint8Array.of(0, ...value));
    }
    await db.clear({ gte: indexKey(entryPrefix, 0), lt: indexKey(entryPrefix, first) });
    let expected = first;
    for await (const [key, value] of db.iterator({
      gte: indexKey(entryPrefix, first),
      lt: Uint8Array.of(entryPrefix + 1),
    })) {
      const index = indexFromKey(key);
      if (index !== expected) throw new CorruptLogError(`log has a hole: expected index ${expected}, found ${index}`);
      decodeEntryRecord(value, index);
      expected++;
    }
    return { first, last: expected - 1 };
  }

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.last;
  }

  /** Group-commit figures: how many appends were submitted and how many synced batches carried them. */
  commitStats(): { batchCount: number; submitCount: number } {
    return this.commits.stats();
  }

  async getEntries(lo: number, hi: number): Promise<Entry[]> {
    this.assertUsable();
    if (lo < this.first) throw new LogCompactedError(lo, this.first);
    assert(lo <= hi, `getEntries(${lo}, ${hi}): lo above hi`);
    assert(hi <= this.last + 1, `getEntries(${lo}, ${hi}) past last index ${this.last}`);
    if (lo === hi) return [];
    await this.commits.idle();
    let records: [Uint8Array, Uint8Array][];
    try {
      records = await this.db.iterator({ gte: indexKey(entryPrefix, lo), lt: indexKey(entryPrefix, hi) }).all();
    } catch (error) {
      throw wrapLevelError(error, `reading log [${lo}, ${hi})`);
    }
    const entries: Entry[] = [];
    for (const [key, value] of records) {
      const index = lo + entries.length;
      if (indexFromKey(key) !== index) throw new CorruptLogError(`log has a hole at index ${index}`);
      entries.push(decodeEntryRecord(value, index));
    }
    if (entries.length !== hi - lo) throw new CorruptLogError(`log has a hole at index ${lo + entries.length}`);
    return entries;
  }

  async storeEntries(entries: readonly Entry[]): Promise<void> {
    this.assertUsable();
    checkAppend(entries, this.first, this.last);
    const head = entries[0];
    if (head === undefined) return;
    const operations: BatchOperation[] = [];
    // An overwrite drops the old suffix beyond the new entries.
    const newLast = head.index + entries.length - 1;
    for (let index = newLast + 1; index <= this.last; index++) {
      operations.push({ type: 'del', key: indexKey(entryPrefix, index) });
    }
    for (const entry of entries) {
      operations.push({ type: 'put', key: indexKey(entryPrefix, entry.index), value: encodeEntryRecord(entry) });
    }
    this.last = newLast;
    await this.write(operations);
  }

  async truncateSuffix(fromIndex: number): Promise<void> {
    this.assertUsable();
    assert(fromIndex >= this.first, `truncateSuffix(${fromIndex}) below first index ${this.first}`);
    const operations: BatchOperation[] = [];
    for (let index = fromIndex; index <= this.last; index++) {
      operations.push({ type: 'del', key: indexKey(entryPrefix, index) });
    }
    if (operations.length === 0) return;
    this.last = fromIndex - 1;
    await this.write(operations);
  }

  async compact(throughIndex: number): Promise<void> {
    this.assertUsable();
    if (throughIndex < this.first) return;
    const oldFirst = this.first;
    this.first = throughIndex + 1;
    if (this.last < throughIndex) this.last = throughIndex;
    await this.write([{ type: 'put', key: firstIndexKey, value: encodeChecked(encodeIndex(this.first)) }]);
    try {
      await this.db.clear({ gte: indexKey(entryPrefix, oldFirst), lt: indexKey(entryPrefix, this.first) });
    } catch (error) {
      throw wrapLevelError(error, 'compacting log');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.idle();
    await this.db.close();
  }

  private async write(operations: BatchOperation[]): Promise<void> {
    try {
      await this.commits.submit(operations);
    } catch (error) {
      // The in-memory bounds already moved; nothing later can be trusted, so every further call fails.
      this.failure ??= error;
      throw wrapLevelError(error, 'writing log');
    }
  }

  private assertUsable(): void {
    assert(!this.closed, 'log store is closed');
    if (this.failure !== null) throw new CorruptLogError('an earlier log write failed', { cause: this.failure });
  }
}
