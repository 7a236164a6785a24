// A FIFO with a fixed capacity: anything fed from outside has a bound, and `offer` says "full" instead of growing,
// so the caller can count and shed (STYLE §3.7). Amortised O(1) via a ring buffer.

import { assert } from './assert.js';

export class BoundedQueue<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private count = 0;
  private rejected = 0;

  constructor(readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, `capacity must be a positive integer, got ${capacity}`);
    this.slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** How many offers were refused because the queue was full. */
  get rejectedCount(): number {
    return this.rejected;
  }

  isFull(): boolean {
    return this.count === this.capacity;
  }

  /** Appends `item`; returns false (and counts a rejection) when the queue is full. */
  offer(item: T): boolean {
    if (this.count === this.capacity) {
      this.rejected++;
      return false;
    }
    this.slots[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  poll(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes and returns up to `countMax` items in FIFO order. */
  drain(countMax = this.count): T[] {
    const items: T[] = [];
    while (items.length < countMax && this.count > 0) items.push(this.poll() as T);
    return items;
  }

  clear(): void {
    this.drain();
  }
}
