// The member table: records by name plus one shuffled array that serves both the round-robin probe order and
// random picks of gossip targets and helpers, with the count of live (alive or suspect) members kept current.

import { assert } from '../../lib/assert.js';
import { type Rand, shuffleInPlace } from '../../lib/rand.js';
import type { MemberState } from './messages.js';
import type { Member } from './types.js';

export interface MemberRecord {
  readonly name: string;
  address: string;
  meta: Uint8Array;
  incarnation: number;
  state: MemberState;
  /** Whole milliseconds (see wholeMs). */
  stateChangeMs: number;
}

/**
 * A time rounded down to whole milliseconds, for times the table keeps per member: a small integer is stored
 * inside the record, a fraction in a separate heap number, and a simulator holds n² records. Every rule that reads
 * it is in seconds (gossip to the dead, reclaiming a name, forgetting), so the lost fraction changes nothing.
 */
export function wholeMs(nowMs: number): number {
  return Math.floor(nowMs);
}

export function snapshot(record: MemberRecord): Member {
  return {
    name: record.name,
    address: record.address,
    meta: record.meta,
    incarnation: record.incarnation,
    state: record.state,
  };
}

export function isLive(state: MemberState): boolean {
  return state === 'alive' || state === 'suspect';
}

export class MemberTable {
  private readonly byName = new Map<string, MemberRecord>();
  /** Shuffled at the end of each probe round; new members land at a random position. */
  readonly order: MemberRecord[] = [];
  private liveCountValue = 0;

  get size(): number {
    return this.order.length;
  }

  /** Alive plus suspect members, this node included: the n of every formula. */
  get liveCount(): number {
    return this.liveCountValue;
  }

  get(name: string): MemberRecord | undefined {
    return this.byName.get(name);
  }

  add(record: MemberRecord, rand: Rand): void {
    assert(!this.byName.has(record.name), `member ${record.name} is already in the table`);
    this.byName.set(record.name, record);
    this.order.push(record);
    const last = this.order.length - 1;
    const position = rand.intBelow(this.order.length);
    this.order[last] = this.order[position]!;
    this.order[position] = record;
    if (isLive(record.state)) this.liveCountValue++;
  }

  setState(record: MemberRecord, state: MemberState, nowMs: number): void {
    if (record.state === state) return;
    if (isLive(record.state)) this.liveCountValue--;
    if (isLive(state)) this.liveCountValue++;
    record.state = state;
    record.stateChangeMs = wholeMs(nowMs);
  }

  /**
   * Ends a probe round: forgets members dead or left for longer than `forgetAfterMs` (except `keepName`, this
   * node) and reshuffles the order.
   */
  resetRound(nowMs: number, forgetAfterMs: number, keepName: string, rand: Rand): void {
    let write = 0;
    for (let read = 0; read < this.order.length; read++) {
      const record = this.order[read]!;
      const forget = !isLive(record.state) && record.name !== keepName && nowMs - record.stateChangeMs > forgetAfterMs;
      if (forget) this.byName.delete(record.name);
      else this.order[write++] = record;
    }
    this.order.length = write;
    shuffleInPlace(this.order, rand);
  }

  /**
   * Up to `count` distinct members accepted by `accept`, picked at random with a bounded number of draws
   * (3 × size, as memberlist's kRandomNodes), appended to `into`.
   */
  pickRandom(count: number, accept: (record: MemberRecord) => boolean, rand: Rand, into: MemberRecord[]): void {
    const size = this.order.length;
    if (size === 0 || count <= 0) return;
    const start = into.length;
    for (let draw = 0; draw < 3 * size && into.length - start < count; draw++) {
      const record = this.order[rand.intBelow(size)]!;
      if (!accept(record)) continue;
      let seen = false;
      for (let position = start; position < into.length; position++)
        if (into[position] === record) {
          seen = true;
          break;
        }
      if (!seen) into.push(record);
    }
  }

  all(): IterableIterator<MemberRecord> {
    return this.byName.values();
  }
}
