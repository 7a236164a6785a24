// A LogStore held in an array: the test double and the simulator's disk. Same contract as LevelLogStore.

import { assert } from '../../lib/assert.js';
import type { Entry } from '../core/types.js';
import { LogCompactedError } from '../errors.js';
import { checkAppend, type LogStore } from './log-store.js';

export class MemoryLogStore implements LogStore {
  private entries: Entry[] = [];
  private first = 1;
  private closed = false;

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.first + this.entries.length - 1;
  }

  async getEntries(lo: number, hi: number): Promise<Entry[]> {
    this.assertOpen();
    if (lo < this.first) throw new LogCompactedError(lo, this.first);
    assert(lo <= hi, `getEntries(${lo}, ${hi}): lo above hi`);
    assert(hi <= this.lastIndex() + 1, `getEntries(${lo}, ${hi}) past last index ${this.lastIndex()}`);
    return this.entries.slice(lo - this.first, hi - this.first);
  }

  async storeEntries(entries: readonly Entry[]): Promise<void> {
    this.assertOpen();
    checkAppend(entries, this.first, this.lastIndex());
    const head = entries[0];
    if (head === undefined) return;
    this.entries.length = head.index - this.first;
    for (const entry of entries) this.entries.push(entry);
  }

  async truncateSuffix(fromIndex: number): Promise<void> {
    this.assertOpen();
    assert(fromIndex >= this.first, `truncateSuffix(${fromIndex}) below first index ${this.first}`);
    if (fromIndex <= this.lastIndex()) this.entries.length = fromIndex - this.first;
  }

  async compact(throughIndex: number): Promise<void> {
    this.assertOpen();
    if (throughIndex < this.first) return;
    if (throughIndex >= this.lastIndex()) {
      this.entries = [];
    } else {
      this.entries = this.entries.slice(throughIndex + 1 - this.first);
    }
    this.first = throughIndex + 1;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    assert(!this.closed, 'log store is closed');
  }
}
