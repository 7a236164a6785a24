// Lamport clocks (serf/lamport.go): a counter that every local event increments and every remote timestamp
// pushes forward, so events, queries and member intents order consistently across the pool without wall clocks.

import { assert } from '../../lib/assert.js';

export class LamportClock {
  private counter: number;

  constructor(start = 0) {
    assert(Number.isSafeInteger(start) && start >= 0, `Lamport time must be a non-negative integer, got ${start}`);
    this.counter = start;
  }

  time(): number {
    return this.counter;
  }

  /** Advances for a local event and returns the new time. */
  increment(): number {
    this.counter++;
    return this.counter;
  }

  /** Records a time seen from elsewhere: the clock moves to just past it if it is ahead. */
  witness(remote: number): void {
    if (!Number.isSafeInteger(remote) || remote < 0) return;
    if (remote < this.counter) return;
    this.counter = remote + 1;
  }
}
