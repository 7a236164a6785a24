// Peers that refused a version-2 stream envelope: nodes from before it, which close such a stream unanswered.
// A push-pull to one of them goes in version 1 until the memory lapses or the member changes (a new incarnation or
// new meta, as an upgrade's restart brings), so a rolling upgrade costs each pair one refused stream, not one per
// sync, and an upgraded node is sent envelopes again without anyone configuring anything.

import type { MemberRecord } from './member-table.js';

/** How long a refusal is remembered: long enough to spare an old node repeated refusals, short enough to notice
 * its upgrade even when its restart changed neither incarnation nor meta. */
export const ENVELOPE_REFUSAL_MEMORY_MS = 30 * 60_000;
/** Refusals remembered at most; beyond it the oldest is forgotten (that peer is only asked once more). */
export const ENVELOPE_REFUSAL_COUNT_MAX = 4_096;

interface Refusal {
  readonly untilMs: number;
  /** The member at the address when it refused (null for a seed address not yet in the table). */
  readonly incarnation: number | null;
  readonly meta: Uint8Array | null;
}

export class EnvelopeRefusals {
  private readonly byAddress = new Map<string, Refusal>();

  constructor(
    private readonly memoryMs = ENVELOPE_REFUSAL_MEMORY_MS,
    private readonly countMax = ENVELOPE_REFUSAL_COUNT_MAX,
  ) {}

  get size(): number {
    return this.byAddress.size;
  }

  /** May a push-pull to `address` (held by `member`, when known) go in an envelope? */
  accepts(address: string, member: MemberRecord | null, nowMs: number): boolean {
    const refusal = this.byAddress.get(address);
    if (refusal === undefined) return true;
    const changed =
      member !== null &&
      refusal.incarnation !== null &&
      (member.incarnation !== refusal.incarnation || member.meta !== refusal.meta);
    if (nowMs < refusal.untilMs && !changed) return false;
    this.byAddress.delete(address);
    return true;
  }

  /** `address` closed an envelope unanswered and then answered version 1. */
  refused(address: string, member: MemberRecord | null, nowMs: number): void {
    this.byAddress.delete(address);
    if (this.byAddress.size >= this.countMax) {
      const oldest = this.byAddress.keys().next().value;
      if (oldest !== undefined) this.byAddress.delete(oldest);
    }
    this.byAddress.set(address, {
      untilMs: nowMs + this.memoryMs,
      incarnation: member?.incarnation ?? null,
      meta: member?.meta ?? null,
    });
  }
}
