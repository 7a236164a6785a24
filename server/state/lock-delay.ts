// Consul's lock-delay table (state/delay.go): after a session is invalidated, the keys it held cannot be
// acquired again until its LockDelay has passed. Like Consul's, it is in memory only (not in snapshots or the
// Raft log): each server fills it as it applies invalidations, reading time from the clock the store was given.

/** Consul's structs.MaxLockDelay: a session's LockDelay above this is cut to it. */
export const lockDelayMsMax = 60_000;

/** Past this many entries, a set first drops the expired ones (entries live at most 60 s, so few remain). */
const sweepEntriesMin = 1024;

export class LockDelays {
  private readonly expiries = new Map<string, number>();
  private sweepAtSize = sweepEntriesMin;

  constructor(private readonly nowMs: () => number) {}

  /** Blocks acquisition of `key` for `delayMs` from now (a longer existing delay stays). */
  set(key: string, delayMs: number): void {
    if (delayMs <= 0) return;
    if (this.expiries.size >= this.sweepAtSize) this.sweep();
    const expiresMs = this.nowMs() + Math.min(delayMs, lockDelayMsMax);
    if ((this.expiries.get(key) ?? 0) < expiresMs) this.expiries.set(key, expiresMs);
  }

  /** Milliseconds until `key` may be acquired again; 0 when it may be now (expired entries are dropped). */
  remainingMs(key: string): number {
    const expiresMs = this.expiries.get(key);
    if (expiresMs === undefined) return 0;
    const remaining = expiresMs - this.nowMs();
    if (remaining > 0) return remaining;
    this.expiries.delete(key);
    return 0;
  }

  get size(): number {
    return this.expiries.size;
  }

  /** Drops expired entries; the next sweep waits until the table has doubled from what is left. */
  private sweep(): void {
    const nowMs = this.nowMs();
    for (const [key, expiresMs] of this.expiries) if (expiresMs <= nowMs) this.expiries.delete(key);
    this.sweepAtSize = Math.max(sweepEntriesMin, this.expiries.size * 2);
  }
}
