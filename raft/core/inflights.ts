// The bounded window of append messages a leader has sent to one follower and not yet seen acknowledged
// (etcd tracker/inflights.go): replication pauses when it is full, so a slow follower cannot pile up messages.

import { assert } from '../../lib/assert.js';

export class Inflights {
  /** Last entry index of each message in flight, oldest first. */
  private readonly lastIndexes: number[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;

  /** `bytesMax` 0 means unbounded in bytes. */
  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {
    assert(countMax > 0, 'inflight count bound must be positive');
  }

  get count(): number {
    return this.lastIndexes.length;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  isFull(): boolean {
    return this.lastIndexes.length >= this.countMax || (this.bytesMax > 0 && this.bytes >= this.bytesMax);
  }

  /**
   * Records a message ending at `lastIndex`; indexes only grow within one replicate run. The window may pass
   * its bound by the one append a heartbeat response lets through (see Progress.appendFlowPaused).
   */
  add(lastIndex: number, sizeBytes: number): void {
    const newest = this.lastIndexes[this.lastIndexes.length - 1];
    assert(newest === undefined || lastIndex > newest, `inflight index ${lastIndex} does not grow past ${newest}`);
    this.lastIndexes.push(lastIndex);
    this.sizes.push(sizeBytes);
    this.bytes += sizeBytes;
  }

  /** Frees every message whose last index is at or below `index` (the follower acknowledged up to it). */
  freeLE(index: number): void {
    let freed = 0;
    while (freed < this.lastIndexes.length && this.lastIndexes[freed]! <= index) {
      this.bytes -= this.sizes[freed]!;
      freed++;
    }
    if (freed === 0) return;
    this.lastIndexes.splice(0, freed);
    this.sizes.splice(0, freed);
  }

  reset(): void {
    this.lastIndexes.length = 0;
    this.sizes.length = 0;
    this.bytes = 0;
  }
}
