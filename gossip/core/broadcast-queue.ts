// The transmit-limited broadcast queue: messages piggy-backed on outgoing packets, fewest-sent first, each sent at
// most retransmitMultiplier × ceil(log10(n + 1)) times, a newer message about a member replacing the older one,
// and bounded, shedding the most-sent messages first (memberlist's queue.go, without its btree). Frames are copied
// into one arena per queue rather than kept as a buffer each: a queue holds up to thousands of ~20-byte messages
// while a large pool forms, and a buffer object per message (plus the slab it pins) cost ~15× the bytes themselves.

import { assert } from '../../lib/assert.js';

/** How many times a broadcast is sent in a pool of `memberCount`: mult × ceil(log10(n + 1)). */
export function retransmitLimit(retransmitMultiplier: number, memberCount: number): number {
  const nodeScale = Math.ceil(Math.log10(memberCount + 1));
  return retransmitMultiplier * nodeScale;
}

/** The smallest framed message (type, length, one byte of body); below this no message fits. */
const FRAME_SIZE_BYTES_MIN = 4;

/** Messages too big for the space left that `take` skips before it stops looking. */
const MISSES_MAX = 8;

/** Where `take` writes the frames it picks: `source[start, end)` is one whole framed message. */
export interface FrameSink {
  add(source: Uint8Array, start: number, end: number): void;
}

/** The arena's size when the queue is empty; it grows by doubling and is compacted as messages finish. */
const ARENA_BYTES_MIN = 1_024;

interface Broadcast {
  /** Member name for membership messages; null for user payloads, which never replace each other. */
  readonly key: string | null;
  /** The frame's bytes: arena[offset, offset + length); moved (offset rewritten) when the arena is compacted. */
  offset: number;
  readonly length: number;
  /** A fixed limit for this message (user payloads), or 0 to use the pool-size formula. */
  readonly limitFixed: number;
  transmits: number;
  live: boolean;
}

export class BroadcastQueue {
  /** buckets[t] holds broadcasts sent t times, oldest first. */
  private readonly buckets: Broadcast[][] = [[]];
  private readonly byKey = new Map<string, Broadcast>();
  private liveCount = 0;
  private storedCount = 0;
  private droppedCount = 0;
  private arena = new Uint8Array(ARENA_BYTES_MIN);
  /** Bytes of the arena in use up to here; of them `arenaLiveBytes` belong to live broadcasts. */
  private arenaEnd = 0;
  private arenaLiveBytes = 0;

  constructor(readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, 'broadcast queue capacity must be positive');
  }

  /** Broadcasts waiting to be sent (again). */
  get size(): number {
    return this.liveCount;
  }

  /** Broadcasts shed because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Queues `frame`, replacing any queued message with the same non-null key. */
  enqueue(key: string | null, frame: Uint8Array, limitFixed = 0): void {
    if (key !== null) {
      const previous = this.byKey.get(key);
      if (previous !== undefined) this.kill(previous);
    }
    const offset = this.store(frame);
    const broadcast: Broadcast = { key, offset, length: frame.length, limitFixed, transmits: 0, live: true };
    if (key !== null) this.byKey.set(key, broadcast);
    this.buckets[0]!.push(broadcast);
    this.liveCount++;
    this.storedCount++;
    if (this.liveCount > this.capacity) this.shedOne();
    if (this.storedCount > 2 * this.capacity + 64) this.compact();
  }

  /** Whether a message about `key` is still queued. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Times the queued message about `key` was sent, or null when none is queued. */
  transmitsFor(key: string): number | null {
    return this.byKey.get(key)?.transmits ?? null;
  }

  /**
   * Adds to `sink` the fewest-sent messages (newest first among equals) that fit in `bytesAvailable`, each counted
   * as sent once more; returns the bytes used.
   */
  take(sink: FrameSink, bytesAvailable: number, limit: number): number {
    let used = 0;
    const moved: Broadcast[] = [];
    let misses = 0;
    for (let transmits = 0; transmits < this.buckets.length; transmits++) {
      if (bytesAvailable - used < FRAME_SIZE_BYTES_MIN) break;
      const bucket = this.buckets[transmits]!;
      let lowestTouched = bucket.length;
      for (let position = bucket.length - 1; position >= 0; position--) {
        if (bytesAvailable - used < FRAME_SIZE_BYTES_MIN) break;
        const broadcast = bucket[position]!;
        if (!broadcast.live) {
          lowestTouched = position;
          continue;
        }
        if (broadcast.length > bytesAvailable - used) {
          // Nearly full: give up after a few misses rather than scan a long bucket for a small message.
          if (++misses >= MISSES_MAX) break;
          continue;
        }
        sink.add(this.arena, broadcast.offset, broadcast.offset + broadcast.length);
        used += broadcast.length;
        broadcast.transmits++;
        lowestTouched = position;
        moved.push(broadcast);
      }
      if (lowestTouched < bucket.length) this.removeTaken(bucket, lowestTouched);
    }
    // Moved up only now, so one message is never taken twice for the same packet; oldest first keeps bucket order.
    for (let position = moved.length - 1; position >= 0; position--) this.advance(moved[position]!, limit);
    return used;
  }

  /** Drops every broadcast (used on leave once ours is the only one that matters). */
  clear(): void {
    for (const bucket of this.buckets) bucket.length = 0;
    this.byKey.clear();
    this.liveCount = 0;
    this.storedCount = 0;
    this.resetArena();
  }

  private removeTaken(bucket: Broadcast[], from: number): void {
    // Entries from `from` on were either taken (moved up a bucket), dead, or skipped for size; keep the skipped.
    let write = from;
    for (let read = from; read < bucket.length; read++) {
      const broadcast = bucket[read]!;
      if (broadcast.live && this.bucketOf(broadcast) === bucket) bucket[write++] = broadcast;
      else if (!broadcast.live) this.storedCount--;
    }
    bucket.length = write;
  }

  private bucketOf(broadcast: Broadcast): Broadcast[] | undefined {
    return this.buckets[broadcast.transmits];
  }

  private advance(broadcast: Broadcast, limit: number): void {
    const effectiveLimit = broadcast.limitFixed > 0 ? broadcast.limitFixed : limit;
    if (broadcast.transmits >= effectiveLimit) {
      this.storedCount--;
      this.finish(broadcast);
      return;
    }
    while (this.buckets.length <= broadcast.transmits) this.buckets.push([]);
    this.buckets[broadcast.transmits]!.push(broadcast);
  }

  private finish(broadcast: Broadcast): void {
    broadcast.live = false;
    this.liveCount--;
    this.arenaLiveBytes -= broadcast.length;
    if (broadcast.key !== null && this.byKey.get(broadcast.key) === broadcast) this.byKey.delete(broadcast.key);
    // Every message sent out: the arena starts over, small again, so an idle queue holds next to nothing.
    if (this.liveCount === 0) this.resetArena();
  }

  /** Copies `frame` into the arena (compacting or growing it first when it is full); returns its offset. */
  private store(frame: Uint8Array): number {
    if (this.arenaEnd + frame.length > this.arena.length) this.makeRoom(frame.length);
    const offset = this.arenaEnd;
    this.arena.set(frame, offset);
    this.arenaEnd += frame.length;
    this.arenaLiveBytes += frame.length;
    return offset;
  }

  /**
   * A new arena of twice the live bytes plus `extra` (at least ARENA_BYTES_MIN, a power of two), holding only the
   * live broadcasts' frames: dead ones are never read again. Doubling keeps the copying amortised O(1) per byte.
   */
  private makeRoom(extra: number): void {
    let size = ARENA_BYTES_MIN;
    while (size < 2 * (this.arenaLiveBytes + extra)) size *= 2;
    const arena = new Uint8Array(size);
    let end = 0;
    for (const bucket of this.buckets)
      for (const broadcast of bucket) {
        if (!broadcast.live) continue;
        arena.set(this.arena.subarray(broadcast.offset, broadcast.offset + broadcast.length), end);
        broadcast.offset = end;
        end += broadcast.length;
      }
    this.arena = arena;
    this.arenaEnd = end;
  }

  private resetArena(): void {
    this.arenaEnd = 0;
    this.arenaLiveBytes = 0;
    if (this.arena.length > ARENA_BYTES_MIN) this.arena = new Uint8Array(ARENA_BYTES_MIN);
  }

  private kill(broadcast: Broadcast): void {
    if (!broadcast.live) return;
    this.finish(broadcast);
  }

  private shedOne(): void {
    for (let transmits = this.buckets.length - 1; transmits >= 0; transmits--) {
      const bucket = this.buckets[transmits]!;
      for (let position = 0; position < bucket.length; position++) {
        const broadcast = bucket[position]!;
        if (!broadcast.live) continue;
        this.kill(broadcast);
        this.droppedCount++;
        return;
      }
    }
  }

  private compact(): void {
    let stored = 0;
    for (const bucket of this.buckets) {
      let write = 0;
      for (const broadcast of bucket) if (broadcast.live) bucket[write++] = broadcast;
      bucket.length = write;
      stored += write;
    }
    this.storedCount = stored;
  }
}
