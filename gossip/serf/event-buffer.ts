// Recent user events and queries by Lamport time, for de-duplication (serf's eventBuffer/queryBuffer): a ring of
// `size` slots indexed by ltime mod size, each holding what was seen at that time. Anything older than the
// window is refused as too old, since it can no longer be told apart from a duplicate.

import { assert } from '../../lib/assert.js';

export type Admission = 'new' | 'duplicate' | 'too-old';

interface Slot<T> {
  ltime: number;
  items: T[];
}

export class LamportRing<T> {
  private readonly slots: (Slot<T> | undefined)[];

  /** `itemsPerSlotMax` bounds what one Lamport time may hold (a flood at one time cannot grow memory). */
  constructor(
    readonly size: number,
    private readonly same: (a: T, b: T) => boolean,
    private readonly itemsPerSlotMax = 64,
  ) {
    assert(Number.isSafeInteger(size) && size > 0, 'ring size must be a positive integer');
    this.slots = new Array<Slot<T> | undefined>(size);
  }

  /** Records `item` at `ltime` unless already seen there; `clockNow` is the local Lamport clock after witnessing. */
  admit(ltime: number, item: T, clockNow: number): Admission {
    if (clockNow > this.size && ltime < clockNow - this.size) return 'too-old';
    const position = ltime % this.size;
    let slot = this.slots[position];
    if (slot && slot.ltime === ltime) {
      if (slot.items.some((seen) => this.same(seen, item))) return 'duplicate';
      if (slot.items.length >= this.itemsPerSlotMax) return 'duplicate';
    } else {
      if (slot && slot.ltime > ltime) return 'too-old';
      slot = { ltime, items: [] };
      this.slots[position] = slot;
    }
    slot.items.push(item);
    return 'new';
  }

  /** Everything held, oldest Lamport time first (sent to peers in push-pull so joiners catch up). */
  entries(): { ltime: number; items: readonly T[] }[] {
    return this.slots
      .filter((slot): slot is Slot<T> => slot !== undefined)
      .sort((a, b) => a.ltime - b.ltime)
      .map((slot) => ({ ltime: slot.ltime, items: [...slot.items] }));
  }
}
