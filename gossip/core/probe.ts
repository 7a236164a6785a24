// SWIM failure detection for one node: round-robin probes over the shuffled member list, a direct ping, then
// indirect pings through k helpers plus a stream ping, then suspicion; and the helper side, relaying indirect pings
// for others with a nack when the target stays silent (Lifeguard).

import type { Rand } from '../../lib/rand.js';
import type { Awareness } from './awareness.js';
import { failedProbeDelta } from './awareness.js';
import type { GossipConfig } from './config.js';
import type { MemberRecord } from './member-table.js';
import type { AckMessage, IndirectPingMessage, PacketMessage } from './messages.js';
import type { MembershipState } from './state.js';
import type { GossipStats, Outbox } from './types.js';

/** What the prober needs from the core around it. */
export interface ProbeHost {
  sendMessage(to: string, message: PacketMessage): void;
  openStreamPing(target: MemberRecord, seq: number, nowMs: number): void;
}

interface ProbeInFlight {
  readonly target: MemberRecord;
  readonly seq: number;
  readonly startMs: number;
  stage: 'direct' | 'indirect';
  directDeadlineMs: number;
  indirectDeadlineMs: number;
  nacksExpected: number;
  nacksReceived: number;
}

interface Relay {
  readonly seq: number;
  readonly originalSeq: number;
  readonly requesterAddress: string;
  readonly wantNack: boolean;
  readonly deadlineMs: number;
  done: boolean;
}

const SEQ_MAX = 0xffff_ffff;

export class Prober {
  private probing: ProbeInFlight | null = null;
  private position = 0;
  private nextProbeMs: number;
  private seq = 0;
  private readonly relays = new Map<number, Relay>();
  /** Relays in deadline order (deadlines are now + probeTimeout, so arrival order is deadline order). */
  private readonly relayDeadlines: Relay[] = [];
  private relayHead = 0;
  private readonly helpers: MemberRecord[] = [];
  private readonly acceptHelper = (record: MemberRecord): boolean =>
    record.state === 'alive' && record !== this.state.self && record !== this.probing?.target;

  constructor(
    private readonly config: GossipConfig,
    private readonly rand: Rand,
    private readonly awareness: Awareness,
    private readonly state: MembershipState,
    private readonly stats: GossipStats,
    private readonly outbox: Outbox,
    private readonly host: ProbeHost,
    nowMs: number,
  ) {
    // Stagger the first probe so a pool started at once does not probe in lockstep.
    this.nextProbeMs = nowMs + rand.intBelow(config.probeIntervalMs);
  }

  nextSeq(): number {
    this.seq = this.seq >= SEQ_MAX ? 1 : this.seq + 1;
    return this.seq;
  }

  nextWakeupMs(): number {
    let wakeup: number;
    if (this.probing !== null) wakeup = this.stageDeadline(this.probing);
    else wakeup = this.state.leaving ? Number.POSITIVE_INFINITY : this.nextProbeMs;
    const relay = this.relayDeadlines[this.relayHead];
    if (relay !== undefined && relay.deadlineMs < wakeup) wakeup = relay.deadlineMs;
    return wakeup;
  }

  tick(nowMs: number): void {
    this.expireRelays(nowMs);
    const probing = this.probing;
    if (probing !== null) {
      if (probing.stage === 'direct' && nowMs >= probing.directDeadlineMs) this.startIndirect(probing, nowMs);
      else if (probing.stage === 'indirect' && nowMs >= probing.indirectDeadlineMs) this.failProbe(probing, nowMs);
    }
    if (this.probing === null && nowMs >= this.nextProbeMs && !this.state.leaving) this.startProbe(nowMs);
  }

  /** After a stall of this node: wait until at least `untilMs` before failing the probe in flight. */
  extendDeadline(untilMs: number): void {
    const probing = this.probing;
    if (probing !== null && probing.stage === 'indirect' && probing.indirectDeadlineMs < untilMs)
      probing.indirectDeadlineMs = untilMs;
  }

  onAck(message: AckMessage, from: string, nowMs: number): void {
    const probing = this.probing;
    if (probing !== null && message.seq === probing.seq) {
      if (from === probing.target.address && probing.stage === 'direct') {
        this.outbox.current.rtts.push({
          member: probing.target.name,
          rttMs: nowMs - probing.startMs,
          payload: message.payload,
        });
        this.awareness.apply(-1);
      }
      this.probing = null;
      return;
    }
    const relay = this.relays.get(message.seq);
    if (relay !== undefined && !relay.done) {
      relay.done = true;
      this.relays.delete(relay.seq);
      this.host.sendMessage(relay.requesterAddress, { type: 'ack', seq: relay.originalSeq, payload: message.payload });
      return;
    }
    this.stats.messagesIgnored++;
  }

  onNack(seq: number): void {
    const probing = this.probing;
    if (probing !== null && seq === probing.seq && probing.stage === 'indirect') probing.nacksReceived++;
    else this.stats.messagesIgnored++;
  }

  /** The stream (TCP) fallback ping got an ack: the target is reachable, though maybe not over UDP. */
  onStreamAck(seq: number): void {
    if (this.probing !== null && this.probing.seq === seq) this.probing = null;
  }

  onIndirectPing(message: IndirectPingMessage, from: string, nowMs: number): void {
    if (this.relays.size >= this.config.relayCapacity) {
      this.stats.relaysRefused++;
      return;
    }
    const relay: Relay = {
      seq: this.nextSeq(),
      originalSeq: message.seq,
      requesterAddress: from,
      wantNack: message.wantNack,
      deadlineMs: nowMs + this.config.probeTimeoutMs,
      done: false,
    };
    this.relays.set(relay.seq, relay);
    this.relayDeadlines.push(relay);
    this.host.sendMessage(message.targetAddress, {
      type: 'ping',
      seq: relay.seq,
      target: message.target,
      sourceName: this.state.self.name,
      sourceAddress: this.state.self.address,
    });
  }

  private stageDeadline(probing: ProbeInFlight): number {
    return probing.stage === 'direct' ? probing.directDeadlineMs : probing.indirectDeadlineMs;
  }

  private startProbe(nowMs: number): void {
    const target = this.nextTarget(nowMs);
    // The next probe is one plain interval on, as memberlist's probe ticker fires: awareness stretches how long a
    // failing probe waits before suspecting (startIndirect), not how often a healthy-looking node probes. A probe
    // that runs past the interval delays the next one until it ends, as the ticker's missed ticks are skipped.
    // Stretching the interval too made a degraded node probe (score + 1) times less often while its probes were
    // succeeding, so a pool under load (or the few members that probed a crash, whose nacks race the deadline)
    // found and confirmed the next failure later than memberlist does.
    this.nextProbeMs = nowMs + this.config.probeIntervalMs;
    if (target === null) return;
    const probing: ProbeInFlight = {
      target,
      seq: this.nextSeq(),
      startMs: nowMs,
      stage: 'direct',
      directDeadlineMs: nowMs + this.config.probeTimeoutMs,
      indirectDeadlineMs: 0,
      nacksExpected: 0,
      nacksReceived: 0,
    };
    this.probing = probing;
    // Buddy system: a suspect hears of its suspicion with the probe, so it can refute at once.
    if (target.state === 'suspect') {
      this.host.sendMessage(target.address, {
        type: 'suspect',
        incarnation: target.incarnation,
        node: target.name,
        from: this.state.self.name,
      });
    }
    this.host.sendMessage(target.address, {
      type: 'ping',
      seq: probing.seq,
      target: target.name,
      sourceName: this.state.self.name,
      sourceAddress: this.state.self.address,
    });
  }

  private nextTarget(nowMs: number): MemberRecord | null {
    const order = this.state.table.order;
    for (let checked = 0; checked <= order.length; checked++) {
      if (this.position >= order.length) {
        this.state.table.resetRound(nowMs, this.config.gossipToTheDeadMs, this.state.self.name, this.rand);
        this.position = 0;
        if (order.length === 0) return null;
      }
      const record = order[this.position++]!;
      if (record === this.state.self) continue;
      if (record.state === 'alive' || record.state === 'suspect') return record;
    }
    return null;
  }

  private startIndirect(probing: ProbeInFlight, nowMs: number): void {
    probing.stage = 'indirect';
    // A node that stalled past the whole interval still gives helpers a full probe timeout before suspecting.
    probing.indirectDeadlineMs = Math.max(
      probing.startMs + this.awareness.scale(this.config.probeIntervalMs),
      nowMs + this.config.probeTimeoutMs,
    );
    this.helpers.length = 0;
    this.state.table.pickRandom(this.config.indirectChecks, this.acceptHelper, this.rand, this.helpers);
    probing.nacksExpected = this.helpers.length;
    for (const helper of this.helpers) {
      this.host.sendMessage(helper.address, {
        type: 'indirect-ping',
        seq: probing.seq,
        target: probing.target.name,
        targetAddress: probing.target.address,
        wantNack: true,
        sourceName: this.state.self.name,
        sourceAddress: this.state.self.address,
      });
    }
    this.helpers.length = 0;
    if (this.config.streamFallbackPing) this.host.openStreamPing(probing.target, probing.seq, nowMs);
  }

  private failProbe(probing: ProbeInFlight, nowMs: number): void {
    this.probing = null;
    this.stats.probesFailed++;
    this.awareness.apply(failedProbeDelta(probing.nacksExpected, probing.nacksReceived));
    const target = probing.target;
    if (target.state !== 'alive' && target.state !== 'suspect') return;
    this.state.onSuspect(
      { type: 'suspect', incarnation: target.incarnation, node: target.name, from: this.state.self.name },
      nowMs,
    );
  }

  private expireRelays(nowMs: number): void {
    while (this.relayHead < this.relayDeadlines.length) {
      const relay = this.relayDeadlines[this.relayHead]!;
      if (relay.deadlineMs > nowMs) break;
      this.relayHead++;
      if (relay.done) continue;
      relay.done = true;
      this.relays.delete(relay.seq);
      if (relay.wantNack) this.host.sendMessage(relay.requesterAddress, { type: 'nack', seq: relay.originalSeq });
    }
    if (this.relayHead > 1024 && this.relayHead * 2 > this.relayDeadlines.length) {
      this.relayDeadlines.splice(0, this.relayHead);
      this.relayHead = 0;
    }
  }
}
