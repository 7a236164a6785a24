// Coalescing of user events sent with the coalesce flag (serf's userEventCoalescer): per event name only the
// newest Lamport time is delivered, once no newer one has arrived for the quiescent period, or at the latest
// after the coalesce period. Events without the flag pass straight through. Pure: time is an argument.

export interface CoalescedEvent {
  readonly ltime: number;
  readonly name: string;
  readonly payload: Uint8Array;
}

interface Pending {
  event: CoalescedEvent;
  firstMs: number;
  lastMs: number;
}

export class UserEventCoalescer {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly quiescentMs: number,
    private readonly coalesceMs: number,
    private readonly nameCountMax = 1_024,
  ) {}

  /** Takes an event; returns the events to deliver now (a full table flushes at once rather than growing). */
  offer(event: CoalescedEvent, nowMs: number): CoalescedEvent[] {
    const held = this.pending.get(event.name);
    if (held) {
      if (event.ltime >= held.event.ltime) held.event = event;
      held.lastMs = nowMs;
      return [];
    }
    const flushed = this.pending.size >= this.nameCountMax ? this.flushAll() : [];
    this.pending.set(event.name, { event, firstMs: nowMs, lastMs: nowMs });
    return flushed;
  }

  /** Events whose quiet or coalesce period has run out. */
  due(nowMs: number): CoalescedEvent[] {
    const out: CoalescedEvent[] = [];
    for (const [name, held] of this.pending) {
      if (nowMs - held.lastMs >= this.quiescentMs || nowMs - held.firstMs >= this.coalesceMs) {
        out.push(held.event);
        this.pending.delete(name);
      }
    }
    return out;
  }

  nextDueMs(): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const held of this.pending.values()) {
      next = Math.min(next, held.lastMs + this.quiescentMs, held.firstMs + this.coalesceMs);
    }
    return Number.isFinite(next) ? next : null;
  }

  flushAll(): CoalescedEvent[] {
    const out = [...this.pending.values()].map((held) => held.event);
    this.pending.clear();
    return out;
  }
}
