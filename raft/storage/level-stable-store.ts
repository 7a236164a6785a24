// A StableStore on `level`: each value checksummed (encodeChecked) and written with a synced batch, so a value
// read back is the one written or a CorruptStableStoreError, never garbage.

import { Level } from 'level';
import { assert } from '../../lib/assert.js';
import type { HardState } from '../core/types.js';
import { CorruptStableStoreError } from '../errors.js';
import { decodeChecked, encodeChecked } from './entry-codec.js';
import { findRecoveryCorruption } from './level-recovery.js';
import { checkStableKey, decodeHardState, encodeHardState, type StableStore, zeroHardState } from './stable-store.js';

const hardStateKey = '\0hard-state';

export class LevelStableStore implements StableStore {
  private closed = false;

  private constructor(private readonly db: Level<string, Uint8Array>) {}

  static async open(path: string): Promise<LevelStableStore> {
    await LevelStableStore.refuseIfCorrupt(path);
    const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    try {
      await LevelStableStore.refuseIfCorrupt(path);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new LevelStableStore(db);
  }

  private static async refuseIfCorrupt(path: string): Promise<void> {
    const problem = await findRecoveryCorruption(path);
    if (problem !== null) throw new CorruptStableStoreError(`stable store at ${path}: ${problem}`);
  }

  async getHardState(): Promise<HardState> {
    const bytes = await this.read(hardStateKey);
    if (bytes === null) return zeroHardState;
    const state = decodeHardState(bytes);
    if (state === null) throw new CorruptStableStoreError('hard state does not decode');
    return state;
  }

  async setHardState(state: HardState, options: { readonly sync?: boolean } = {}): Promise<void> {
    assert(!this.closed, 'stable store is closed');
    await this.db.put(hardStateKey, encodeChecked(encodeHardState(state)), { sync: options.sync ?? true });
  }

  async get(key: string): Promise<Uint8Array | null> {
    checkStableKey(key);
    return this.read(key);
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    assert(!this.closed, 'stable store is closed');
    checkStableKey(key);
    await this.db.put(key, encodeChecked(value), { sync: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  private async read(key: string): Promise<Uint8Array | null> {
    assert(!this.closed, 'stable store is closed');
    let record: Uint8Array | undefined;
    try {
      record = await this.db.get(key);
    } catch (error) {
      throw new CorruptStableStoreError(`reading ${JSON.stringify(key)} failed`, { cause: error });
    }
    if (record === undefined) return null;
    const value = decodeChecked(record);
    if (value === null) throw new CorruptStableStoreError(`value of ${JSON.stringify(key)} fails its checksum`);
    return value;
  }
}
