// Seeded randomness: cores and the simulator draw every random choice from a Rand built from a seed, so a run
// replays exactly. The generator is xoshiro128** (fast, 2^128 period, good statistical quality), seeded
// through splitmix32 so that nearby seeds give unrelated streams.

import { assert } from './assert.js';

export interface Rand {
  /** A uniformly distributed integer in [0, bound). */
  intBelow(bound: number): number;
  /** A uniformly distributed float in [0, 1). */
  float(): number;
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class SeededRand implements Rand {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(readonly seed: number) {
    assert(Number.isSafeInteger(seed), `seed must be a safe integer, got ${seed}`);
    // Fold the high bits in so seeds above 2^32 still differ.
    let state = (seed ^ Math.floor(seed / 0x1_0000_0000)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [nextState, word] = splitmix32(state);
      state = nextState;
      words.push(word);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  float(): number {
    // 53 random bits, as Math.random gives.
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  intBelow(bound: number): number {
    assert(Number.isSafeInteger(bound) && bound > 0, `bound must be a positive integer, got ${bound}`);
    if (bound <= 0x1_0000_0000) {
      // Rejection sampling removes modulo bias.
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
      for (;;) {
        const value = this.nextUint32();
        if (value < limit) return value % bound;
      }
    }
    return Math.floor(this.float() * bound);
  }

  /** A new independent generator derived from this one (for giving each simulated node its own stream). */
  fork(): SeededRand {
    return new SeededRand(this.nextUint32() * 0x20_0000 + (this.nextUint32() >>> 11));
  }
}

function rotl(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift));
}

/** A Rand seeded from the operating system, for production components. */
export function randomSeed(): number {
  const bytes = new Uint32Array(2);
  crypto.getRandomValues(bytes);
  return (bytes[0]! & 0x1f_ffff) * 0x1_0000_0000 + bytes[1]!;
}

/** Fisher–Yates shuffle in place, drawing from `rand`. */
export function shuffleInPlace<T>(items: T[], rand: Rand): T[] {
  for (let position = items.length - 1; position > 0; position--) {
    const other = rand.intBelow(position + 1);
    const held = items[position]!;
    items[position] = items[other]!;
    items[other] = held;
  }
  return items;
}

/** A float in [minimum, maximum). */
export function floatBetween(rand: Rand, minimum: number, maximum: number): number {
  return minimum + rand.float() * (maximum - minimum);
}
