// A StableStore in a Map: the test double and the simulator's disk. Same contract as LevelStableStore.

import { assert } from '../../lib/assert.js';
import type { HardState } from '../core/types.js';
import { checkStableKey, type StableStore, zeroHardState } from './stable-store.js';

export class MemoryStableStore implements StableStore {
  private hardState: HardState = zeroHardState;
  private readonly values = new Map<string, Uint8Array>();
  private closed = false;

  async getHardState(): Promise<HardState> {
    assert(!this.closed, 'stable store is closed');
    return this.hardState;
  }

  async setHardState(state: HardState): Promise<void> {
    assert(!this.closed, 'stable store is closed');
    this.hardState = { ...state };
  }

  async get(key: string): Promise<Uint8Array | null> {
    assert(!this.closed, 'stable store is closed');
    checkStableKey(key);
    return this.values.get(key)?.slice() ?? null;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    assert(!this.closed, 'stable store is closed');
    checkStableKey(key);
    this.values.set(key, value.slice());
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
