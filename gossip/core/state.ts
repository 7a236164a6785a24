// Membership state transitions: alive/suspect/dead/left with incarnation numbers, refutation of suspicions about
// this node, Lifeguard suspicion timers, name conflicts and dead-name reclaim. Every transition decides, mutates
// the table, queues the broadcast and records the event here; nothing else changes a member's state.

import { assert } from '../../lib/assert.js';
import type { Rand } from '../../lib/rand.js';
import type { Awareness } from './awareness.js';
import type { BroadcastQueue } from './broadcast-queue.js';
import type { GossipConfig } from './config.js';
import { encodeFramed } from './encode.js';
import { isLive, type MemberRecord, MemberTable, snapshot, wholeMs } from './member-table.js';
import { type AliveMessage, type DeadMessage, INCARNATION_MAX, type SuspectMessage } from './messages.js';
import { Suspicion, suspicionConfirmationsExpected, suspicionTimeoutMsMin } from './suspicion.js';
import type { GossipStats, MemberEventType, Outbox } from './types.js';

/** The incarnation that beats `accused` and our `current` one: the next one, or one past the accusation. */
export function refuteIncarnation(current: number, accused: number): number {
  const next = current + 1;
  return accused >= next ? accused + 1 : next;
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let position = 0; position < left.length; position++) if (left[position] !== right[position]) return false;
  return true;
}

export class MembershipState {
  readonly table = new MemberTable();
  readonly suspicions = new Map<string, Suspicion>();
  readonly self: MemberRecord;
  leaving = false;

  constructor(
    private readonly config: GossipConfig,
    private readonly rand: Rand,
    private readonly awareness: Awareness,
    private readonly queue: BroadcastQueue,
    private readonly outbox: Outbox,
    private readonly stats: GossipStats,
    self: { name: string; address: string; meta: Uint8Array },
    nowMs: number,
    private readonly internString: (text: string) => string,
  ) {
    this.self = {
      name: self.name,
      address: self.address,
      meta: self.meta,
      incarnation: 0,
      state: 'alive',
      stateChangeMs: wholeMs(nowMs),
    };
    this.table.add(this.self, rand);
    this.emit('join', this.self);
    this.broadcastSelfAlive();
  }

  /** The earliest suspicion deadline, or Infinity. */
  nextSuspicionDeadlineMs(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const suspicion of this.suspicions.values())
      if (suspicion.deadlineMs < earliest) earliest = suspicion.deadlineMs;
    return earliest;
  }

  /** Moves every suspicion deadline earlier than `untilMs` to `untilMs` (after a stall of this node). */
  extendSuspicionDeadlines(untilMs: number): void {
    for (const suspicion of this.suspicions.values()) suspicion.extendDeadline(untilMs);
  }

  /** Declares dead every member whose suspicion ran out by `nowMs`. */
  expireSuspicions(nowMs: number): void {
    if (this.suspicions.size === 0) return;
    const expired: Suspicion[] = [];
    for (const suspicion of this.suspicions.values()) if (suspicion.deadlineMs <= nowMs) expired.push(suspicion);
    for (const suspicion of expired) {
      this.suspicions.delete(suspicion.node);
      const record = this.table.get(suspicion.node);
      if (record === undefined || record.state !== 'suspect' || record.incarnation !== suspicion.incarnation) continue;
      this.onDead(
        { type: 'dead', incarnation: suspicion.incarnation, node: suspicion.node, from: this.self.name },
        nowMs,
      );
    }
  }

  /**
   * `rebroadcast` false: the news came from a seed's state while this node knew nobody and the seed has finished
   * gossiping it, so the pool has it already; passing it on would add a redundant broadcast per member to every
   * join (a join storm of n² × retransmits). News the seed still spreads is passed on, as memberlist does.
   */
  /**
   * An alive message about a live member at an incarnation we already hold: it changes nothing. The common case by
   * far (every update arrives about retransmit-limit times), so callers skip work for it (the merge delegate).
   */
  isOldNews(message: AliveMessage): boolean {
    const record = this.table.get(message.node);
    return (
      record !== undefined && record !== this.self && message.incarnation <= record.incarnation && isLive(record.state)
    );
  }

  onAlive(message: AliveMessage, nowMs: number, rebroadcast = true): void {
    if (this.leaving && message.node === this.self.name) return;
    let record = this.table.get(message.node);
    let updatesAddress = false;
    if (record === undefined) {
      if (this.table.size >= this.config.memberCountMax) {
        this.stats.membersRefused++;
        return;
      }
      // A new member starts dead, so its first alive message is a dead → alive join.
      record = {
        name: this.internString(message.node),
        address: this.internString(message.address),
        meta: message.meta,
        incarnation: message.incarnation,
        state: 'dead',
        stateChangeMs: wholeMs(nowMs),
      };
      this.table.add(record, this.rand);
      updatesAddress = true;
    } else if (this.isOldNews(message)) {
      // Returns before touching the address: a stale claim from another address is not reported as a conflict; a
      // current one is, below.
      return;
    } else if (record.address !== message.address) {
      const reclaimable =
        record.state === 'left' ||
        (record.state === 'dead' && nowMs - record.stateChangeMs >= this.config.deadNodeReclaimMs);
      if (!reclaimable) {
        this.stats.conflicts++;
        this.outbox.current.events.push({ type: 'conflict', member: snapshot(record), otherAddress: message.address });
        return;
      }
      updatesAddress = true;
    }
    const isSelf = record === this.self;
    if (!isSelf && !updatesAddress && message.incarnation <= record.incarnation) return;
    if (isSelf && message.incarnation < record.incarnation) return;
    this.suspicions.delete(record.name);
    const previousState = record.state;
    const previousMeta = record.meta;
    const previousAddress = record.address;
    if (isSelf) {
      if (message.incarnation === record.incarnation && sameBytes(message.meta, record.meta)) return;
      this.refute(message.incarnation);
      return;
    }
    record.incarnation = message.incarnation;
    record.meta = message.meta;
    if (record.address !== message.address) record.address = this.internString(message.address);
    if (rebroadcast) this.queue.enqueue(record.name, encodeFramed(message));
    this.table.setState(record, 'alive', nowMs);
    if (previousState === 'dead' || previousState === 'left') this.emit('join', record);
    else if (previousState === 'suspect') this.emit('alive', record);
    if (
      previousState !== 'dead' &&
      previousState !== 'left' &&
      (!sameBytes(previousMeta, record.meta) || previousAddress !== record.address)
    )
      this.emit('update', record);
  }

  onSuspect(message: SuspectMessage, nowMs: number): void {
    const record = this.table.get(message.node);
    if (record === undefined || message.incarnation < record.incarnation) return;
    const existing = this.suspicions.get(record.name);
    if (existing !== undefined && record.state === 'suspect' && message.incarnation === existing.incarnation) {
      // Another accuser: a confirmation shortens the timer and is passed on, so others hear it too.
      if (existing.confirm(message.from)) this.queue.enqueue(record.name, encodeFramed(message));
      return;
    }
    if (record.state !== 'alive' && record.state !== 'suspect') return;
    if (record === this.self) {
      if (this.leaving) return;
      this.refute(message.incarnation);
      return;
    }
    // A new suspicion, or one of a newer incarnation than ours: then the member has refuted the one we hold (its
    // incarnation rose, though its alive message missed us), so that timer is void and a fresh one starts. memberlist
    // counts it as a mere confirmation and can declare a member dead that refuted long ago.
    const wasSuspect = record.state === 'suspect';
    this.queue.enqueue(record.name, encodeFramed(message));
    record.incarnation = message.incarnation;
    this.table.setState(record, 'suspect', nowMs);
    if (!wasSuspect) this.emit('suspect', record);
    const memberCount = this.table.liveCount;
    const timeoutMsMin = suspicionTimeoutMsMin(
      this.config.suspicionMultiplier,
      memberCount,
      this.config.probeIntervalMs,
    );
    const timeoutMsMax = this.config.suspicionMaxTimeoutMultiplier * timeoutMsMin;
    const expected = suspicionConfirmationsExpected(this.config.suspicionMultiplier, memberCount);
    this.suspicions.set(
      record.name,
      new Suspicion(record.name, record.incarnation, message.from, nowMs, expected, timeoutMsMin, timeoutMsMax),
    );
  }

  onDead(message: DeadMessage, nowMs: number): void {
    const record = this.table.get(message.node);
    if (record === undefined || message.incarnation < record.incarnation) return;
    this.suspicions.delete(record.name);
    if (!isLive(record.state)) return;
    if (record === this.self && !this.leaving) {
      this.refute(message.incarnation);
      return;
    }
    this.queue.enqueue(record.name, encodeFramed(message));
    record.incarnation = message.incarnation;
    const left = message.node === message.from;
    this.table.setState(record, left ? 'left' : 'dead', nowMs);
    this.emit(left ? 'leave' : 'failed', record);
  }

  /** Graceful leave: broadcast our own death, marked as a leave by naming ourselves as the accuser. */
  leave(nowMs: number): void {
    if (this.leaving) return;
    this.leaving = true;
    this.onDead(
      { type: 'dead', incarnation: this.self.incarnation, node: this.self.name, from: this.self.name },
      nowMs,
    );
  }

  /** New meta for this node: a higher incarnation carries it. */
  setLocalMeta(meta: Uint8Array, nowMs: number): void {
    assert(!this.leaving, 'cannot change meta after leaving');
    this.self.meta = meta;
    this.self.incarnation = Math.min(INCARNATION_MAX, this.self.incarnation + 1);
    this.self.stateChangeMs = wholeMs(nowMs);
    this.emit('update', this.self);
    this.broadcastSelfAlive();
  }

  private refute(accusedIncarnation: number): void {
    this.self.incarnation = Math.min(INCARNATION_MAX, refuteIncarnation(this.self.incarnation, accusedIncarnation));
    this.stats.refutations++;
    this.awareness.apply(1);
    this.broadcastSelfAlive();
  }

  private broadcastSelfAlive(): void {
    const message: AliveMessage = {
      type: 'alive',
      incarnation: this.self.incarnation,
      node: this.self.name,
      address: this.self.address,
      meta: this.self.meta,
    };
    this.queue.enqueue(this.self.name, encodeFramed(message));
  }

  private emit(type: MemberEventType, record: MemberRecord): void {
    this.outbox.current.events.push({ type, member: snapshot(record) });
  }
}
