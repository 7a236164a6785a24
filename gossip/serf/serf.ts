// The Serf layer over the pure gossip core: member tags and statuses, Lamport-ordered user events (de-duplicated,
// optionally coalesced), queries and their responses, internal keyring queries, reaping and reconnecting, Vivaldi
// coordinates from probe RTTs, and the lines for the member snapshot. Pure like the core: every input takes
// `nowMs`, randomness comes from the injected Rand, and everything to do comes back from `takeOutput()`.
// Why one long file: it is one state machine (member statuses, clocks, event and query admission share state and
// react to the same core output); the decisions that stand alone live beside it (members.ts, queries.ts,
// event-buffer.ts, coalescer.ts, keyring-queries.ts, snapshot.ts), and splitting the rest would spread one
// machine's transitions across files.

import { ValidationError } from '../../lib/errors.js';
import type { Rand } from '../../lib/rand.js';
import {
  type GossipConfig,
  GossipCore,
  type MemberEvent,
  type OutboundPacket,
  type OutboundStream,
} from '../core/index.js';
import type { Keyring } from '../keyring.js';
import { VivaldiClient } from '../vivaldi/client.js';
import type { VivaldiConfig } from '../vivaldi/config.js';
import type { Coordinate } from '../vivaldi/coordinate.js';
import { decodeCoordinateWire, encodeCoordinateWire } from '../vivaldi/coordinate-wire.js';
import { UserEventCoalescer } from './coalescer.js';
import { defaultQueryTimeoutMs, type SerfConfig } from './config.js';
import { LamportRing } from './event-buffer.js';
import { answerKeyringQuery, operationForQuery } from './keyring-queries.js';
import { LamportClock } from './lamport.js';
import { chooseReconnectTarget, membersToReap, type SerfMember, type SerfMemberStatus } from './members.js';
import { coreMergeDelegate, type SerfMergeDelegate } from './merge-delegate.js';
import {
  decodeSerfMessage,
  encodeSerfMessage,
  type LeaveIntentMessage,
  type QueryFilters,
  type QueryMessage,
  type QueryResponseMessage,
  relayFactorMax,
  SerfDecodeError,
  type UserEventMessage,
} from './messages.js';
import { type QueryResult, QueryTracker } from './queries.js';
import type { SnapshotState } from './snapshot.js';
import { decodeTags, encodeTags } from './tags.js';
import {
  type CarriedLeaveIntent,
  type CarriedLeftMember,
  decodeUserState,
  encodeUserState,
  type RecentEvent,
} from './user-state.js';

/** A query delivered to this node, to be answered with `respond()` before `deadlineMs`. */
export interface IncomingQuery {
  readonly id: number;
  /** Members to relay the response through as well (0..5). */
  readonly relayFactor: number;
  readonly ltime: number;
  readonly name: string;
  readonly payload: Uint8Array;
  readonly sourceNode: string;
  readonly from: string;
  readonly deadlineMs: number;
}

export type SerfEvent =
  | {
      readonly type: 'member-join' | 'member-leave' | 'member-failed' | 'member-update' | 'member-reap';
      readonly member: SerfMember;
    }
  | { readonly type: 'member-conflict'; readonly member: SerfMember; readonly otherAddress: string }
  | {
      readonly type: 'user';
      readonly ltime: number;
      readonly name: string;
      readonly payload: Uint8Array;
      readonly coalesce: boolean;
    }
  | { readonly type: 'query'; readonly query: IncomingQuery }
  | { readonly type: 'query-done'; readonly result: QueryResult }
  /**
   * Another address claims this node's name; the pool was asked (`_serf_conflict`) who holds it. `lost`: most
   * members know the name at the other address, and this node should shut down (serf does).
   */
  | {
      readonly type: 'name-conflict';
      readonly outcome: 'won' | 'lost';
      readonly otherAddress: string;
      readonly agreeing: number;
      readonly responses: number;
    }
  | { readonly type: 'keyring-changed' }
  /** `reconnect`: the attempt was Serf's own retry of a failed member, not a join asked for by the caller. */
  | {
      readonly type: 'join-result';
      readonly seed: string;
      readonly ok: boolean;
      readonly reconnect: boolean;
      /** The merge delegate's reason (this node's or the seed's) when the seed answered but was refused. */
      readonly refusal?: string;
    };

export interface SerfOutput {
  readonly packets: OutboundPacket[];
  readonly streams: OutboundStream[];
  readonly events: SerfEvent[];
  /** Lines to append to the member snapshot, in order. */
  readonly snapshotLines: string[];
}

export interface SerfCounters {
  /** User payloads that were not valid serf messages. */
  decodeFailures: number;
  /** Meta bytes that were not valid tags (the member is kept with no tags). */
  tagDecodeFailures: number;
  eventsDuplicate: number;
  eventsTooOld: number;
  queriesDuplicate: number;
  queriesTooOld: number;
  /** Tag filter patterns that were not valid regular expressions. */
  badFilters: number;
  /** RTT samples or coordinates Vivaldi refused. */
  coordinateRejected: number;
  remoteStatesRefused: number;
  reconnectAttempts: number;
  reaped: number;
  /** Relay requests to addresses that are not members. */
  relaysRefused: number;
  relaysForwarded: number;
  /** Leave intents (force-leave) no newer than one already seen for that node. */
  leaveIntentsDuplicate: number;
  /** Leave intents about this node while it is alive (ignored, not spread; SWIM refutes any suspicion). */
  leaveIntentsRefuted: number;
  /** Leaves learnt from a push-pull (a carried intent or left member) that moved a member here. */
  leavesFromPushPull: number;
  /** Carried leaves about a node seen since at a higher incarnation (it came back), ignored. */
  leavesStale: number;
}

export interface SerfComponents {
  readonly rand: Rand;
  readonly nowMs: number;
  /** The gossip keyring, shared with the encryption layer: keyring queries change it in place. */
  readonly keyring: Keyring | null;
}

export interface SerfInit {
  readonly serf: SerfConfig;
  readonly gossip: GossipConfig;
  /** This node's gossip address (`host:port`). */
  readonly address: string;
  /** null turns coordinates off (`disable_coordinates`). */
  readonly vivaldi: VivaldiConfig | null;
  /** Clocks from the snapshot of a previous run. */
  readonly restored?: SnapshotState | null;
  /** Judges remote members before they merge (Consul's LAN/WAN merge delegates); default: accept all. */
  readonly mergeDelegate?: SerfMergeDelegate;
}

export interface QueryParams {
  readonly filters?: Partial<QueryFilters>;
  readonly timeoutMs?: number;
  readonly wantAck?: boolean;
  /** Finish as soon as this many members responded (still bounded by the timeout). */
  readonly expectedResponses?: number;
  /** Responders also send through this many random members (0..5; Consul's -relay-factor). */
  readonly relayFactor?: number;
}

/**
 * A leave intent as remembered: `seenMs` (local time it was first seen, or earlier by its carried age) for expiry,
 * `incarnation` of the node when it arrived (null: unknown node) so a later life of the node is not taken for the
 * one the intent was about, and `pending` while it waits for the failed verdict on a member not failed yet.
 */
interface RememberedLeaveIntent {
  readonly ltime: number;
  readonly prune: boolean;
  readonly seenMs: number;
  readonly incarnation: number | null;
  pending: boolean;
}

const emptyFilters: QueryFilters = Object.freeze({ nodes: [], tags: {} });
/** serf's internal query asking every member which address it knows for a contested name. */
export const conflictQueryName = '_serf_conflict';
/** How long a leave intent is remembered for de-duplication (serf's RecentIntentTimeout, 5 min). */
const leaveIntentMemoryMs = 5 * 60_000;
/** Leave intents remembered at most (names arrive from the network). */
const leaveIntentCountMax = 4_096;
/** Left members read from one push-pull at most (the gossip core's own member bound). */
const carriedLeftMemberCountMax = 65_536;
/** While leave intents are remembered, the push-pull state is re-encoded this often so their ages stay current. */
const intentAgeRefreshMs = 1_000;
/** Compiled tag-filter patterns kept at most (patterns arrive from the network). */
const regexCacheSizeMax = 256;
/** A group containing + * or {n,} followed by another quantifier: the shape of catastrophic backtracking. */
const nestedQuantifier = /\([^)]*[+*}][^)]*\)\s*[+*{?]/;

function emptySerfOutput(): SerfOutput {
  return { packets: [], streams: [], events: [], snapshotLines: [] };
}

function newCounters(): SerfCounters {
  return {
    decodeFailures: 0,
    tagDecodeFailures: 0,
    eventsDuplicate: 0,
    eventsTooOld: 0,
    queriesDuplicate: 0,
    queriesTooOld: 0,
    badFilters: 0,
    coordinateRejected: 0,
    remoteStatesRefused: 0,
    reconnectAttempts: 0,
    reaped: 0,
    relaysRefused: 0,
    relaysForwarded: 0,
    leaveIntentsDuplicate: 0,
    leaveIntentsRefuted: 0,
    leavesFromPushPull: 0,
    leavesStale: 0,
  };
}

export class Serf {
  readonly core: GossipCore;
  readonly counters: SerfCounters = newCounters();
  readonly clock: LamportClock;
  readonly eventClock: LamportClock;
  readonly queryClock: LamportClock;
  private output: SerfOutput = emptySerfOutput();
  private readonly config: SerfConfig;
  private readonly rand: Rand;
  private readonly keyring: Keyring | null;
  private readonly members = new Map<string, SerfMember>();
  private readonly events: LamportRing<RecentEvent>;
  private readonly queriesSeen: LamportRing<number>;
  private readonly queries: QueryTracker;
  private readonly coalescer: UserEventCoalescer;
  private readonly vivaldi: VivaldiClient | null;
  private readonly coordinates = new Map<string, Coordinate>();
  private readonly regexCache = new Map<string, RegExp | null>();
  private readonly pendingJoinSeeds = new Set<string>();
  /** Addresses of reconnect attempts in flight (at most one per reconnect interval). */
  private readonly reconnectSeeds = new Set<string>();
  private conflictQuery: { readonly id: number; readonly otherAddress: string } | null = null;
  /**
   * Newest leave intent per node (serf's statusLTime / recentIntents): de-duplication, the prune flag, and
   * `pending` while it waits for the failed verdict on a member that was not failed yet when it arrived.
   */
  private readonly leaveIntents = new Map<string, RememberedLeaveIntent>();
  /**
   * Each member's incarnation as of its last member event: the core forgets dead members after a while, and a
   * carried leave is weighed against the life it was about even then.
   */
  private readonly lastIncarnations = new Map<string, number>();
  private tags: Readonly<Record<string, string>>;
  private eventMinTime = 0;
  private nextReapMs: number;
  private nextReconnectMs: number;
  private lastNowMs: number;
  private userStateDirty = true;
  private userStateEncodedMs = Number.NEGATIVE_INFINITY;
  private lastSnapshotClocks = '';
  private leaving = false;

  constructor(init: SerfInit, components: SerfComponents) {
    this.config = init.serf;
    this.rand = components.rand;
    this.keyring = components.keyring;
    this.lastNowMs = components.nowMs;
    this.tags = init.serf.tags;
    // serf.Create increments every clock once before anything happens: LTime 0 means "never" (a join intent or
    // push-pull with time 0 carries nothing), so the first member change, user event and query are at 1.
    this.clock = new LamportClock(1);
    this.eventClock = new LamportClock(1);
    this.queryClock = new LamportClock(1);
    const restored = init.restored;
    if (restored) {
      // Resume past the saved times, as serf does, so nothing this node sends looks old or duplicated.
      this.clock.witness(restored.clock);
      this.eventClock.witness(restored.eventClock);
      this.queryClock.witness(restored.queryClock);
      this.eventMinTime = restored.eventClock + 1;
    }
    this.core = new GossipCore(init.gossip, {
      rand: components.rand,
      nowMs: components.nowMs,
      self: { name: init.serf.nodeName, address: init.address, meta: encodeTags(init.serf.tags) },
      ...(init.mergeDelegate ? { mergeDelegate: coreMergeDelegate(init.mergeDelegate, () => this.members) } : {}),
    });
    this.events = new LamportRing<RecentEvent>(
      init.serf.eventBufferSize,
      (a, b) => a.name === b.name && Buffer.compare(a.payload, b.payload) === 0,
    );
    this.queriesSeen = new LamportRing<number>(init.serf.queryBufferSize, (a, b) => a === b);
    this.queries = new QueryTracker(init.serf.pendingQueryCountMax);
    this.coalescer = new UserEventCoalescer(init.serf.userEventQuiescentMs, init.serf.userEventCoalesceMs);
    this.vivaldi = init.vivaldi ? new VivaldiClient(init.vivaldi, components.rand) : null;
    if (this.vivaldi) this.core.setAckPayload(encodeCoordinateWire(this.vivaldi.getCoordinate()));
    this.nextReapMs = components.nowMs + init.serf.reapIntervalMs;
    this.nextReconnectMs = components.nowMs + init.serf.reconnectIntervalMs;
    this.absorb(components.nowMs);
  }

  // --- inputs that pass through to the core ---------------------------------------------------------------------

  handlePacket(from: string, bytes: Uint8Array, nowMs: number): void {
    this.core.handlePacket(from, bytes, nowMs);
    this.absorb(nowMs);
  }

  handleStream(from: string, bytes: Uint8Array, nowMs: number): Uint8Array | null {
    this.refreshUserState();
    const response = this.core.handleStream(from, bytes, nowMs);
    this.absorb(nowMs);
    return response;
  }

  /** See GossipCore.handleStreamResponse (`peerClosed`: closed unanswered after the request was written). */
  handleStreamResponse(id: number, bytes: Uint8Array | null, nowMs: number, peerClosed = false): void {
    this.core.handleStreamResponse(id, bytes, nowMs, peerClosed);
    this.absorb(nowMs);
  }

  /** Joins through seed addresses; with `ignoreOld` (Consul's default) events from before the join are not replayed. */
  join(seeds: readonly string[], nowMs: number, ignoreOld = true): void {
    this.refreshUserState();
    if (ignoreOld) for (const seed of seeds) this.pendingJoinSeeds.add(seed);
    this.core.join(seeds, nowMs);
    this.absorb(nowMs);
  }

  /** Graceful leave: others will see this node as left; the snapshot records it so a restart does not rejoin. */
  leave(nowMs: number): void {
    this.leaving = true;
    const self = this.members.get(this.config.nodeName);
    if (self) this.setStatus(self, 'leaving', nowMs);
    this.core.leave(nowMs);
    this.output.snapshotLines.push('leave');
    this.absorb(nowMs);
  }

  leaveBroadcastDone(): boolean {
    return this.core.leaveBroadcastDone();
  }

  tick(nowMs: number): void {
    this.core.tick(nowMs);
    const now = Math.max(nowMs, this.lastNowMs);
    if (now >= this.nextReapMs) {
      this.reap(now);
      this.nextReapMs = now + this.config.reapIntervalMs;
    }
    if (now >= this.nextReconnectMs) {
      this.reconnect(now);
      this.nextReconnectMs = now + this.config.reconnectIntervalMs;
    }
    for (const result of this.queries.due(now)) this.finishQuery(result);
    for (const event of this.coalescer.due(now)) this.deliverUserEvent(event.ltime, event.name, event.payload, true);
    if (this.leaveIntents.size > 0 && now - this.userStateEncodedMs >= intentAgeRefreshMs) this.userStateDirty = true;
    this.absorb(nowMs);
  }

  /** New tags for this node, spread with a higher incarnation. */
  setTags(tags: Readonly<Record<string, string>>, nowMs: number): void {
    this.core.setLocalMeta(encodeTags(tags), nowMs);
    this.tags = Object.freeze({ ...tags });
    this.absorb(nowMs);
  }

  /**
   * Force-leave (serf RemoveFailedNode / RemoveFailedNodePrune): broadcasts a leave intent for `node` at the current
   * Lamport time. Every member holding it failed moves it to left (suspect: leaving, then left on the failed
   * verdict); with `prune` it is forgotten at once instead of at the tombstone timeout. An alive node ignores an
   * intent about itself. The caller checks that `node` is a member (Consul does).
   */
  forceLeave(node: string, prune: boolean, nowMs: number): void {
    if (node === '') throw new ValidationError('node name must not be empty');
    const message: LeaveIntentMessage = { type: 'leave-intent', ltime: this.clock.time(), node, prune };
    this.clock.increment();
    this.handleLeaveIntent(message, Math.max(nowMs, this.lastNowMs));
    this.core.broadcastUser(encodeSerfMessage(message));
    this.absorb(nowMs);
  }

  // --- user events ------------------------------------------------------------------------------------------------

  /** Fires a user event to the whole pool; throws ValidationError above the 512-byte limit. */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean, nowMs: number): number {
    if (name === '') throw new ValidationError('user event name must not be empty');
    const rawSizeBytes = Buffer.byteLength(name) + payload.length;
    if (rawSizeBytes > this.config.userEventSizeBytesMax) {
      throw new ValidationError(
        `user event exceeds the limit of ${this.config.userEventSizeBytesMax} bytes before encoding (${rawSizeBytes})`,
      );
    }
    const ltime = this.eventClock.time();
    this.eventClock.increment();
    const message: UserEventMessage = { type: 'user-event', ltime, name, payload, coalesce };
    const encoded = encodeSerfMessage(message);
    if (encoded.length > this.config.userEventSizeBytesMax + 16) {
      throw new ValidationError(`encoded user event exceeds the limit of ${this.config.userEventSizeBytesMax} bytes`);
    }
    this.handleUserEvent(message, nowMs);
    this.core.broadcastUser(encoded);
    this.userStateDirty = true;
    this.absorb(nowMs);
    return ltime;
  }

  // --- queries ----------------------------------------------------------------------------------------------------

  defaultQueryTimeoutMs(): number {
    return defaultQueryTimeoutMs(this.config, this.core.liveCount);
  }

  /** Starts a query; its responses arrive as one `query-done` event when it times out (or all expected answered). */
  query(name: string, payload: Uint8Array, params: QueryParams, nowMs: number): number {
    if (name === '') throw new ValidationError('query name must not be empty');
    const relayFactor = params.relayFactor ?? 0;
    if (!Number.isInteger(relayFactor) || relayFactor < 0 || relayFactor > relayFactorMax) {
      throw new ValidationError(`relay factor must be an integer from 0 to ${relayFactorMax}`);
    }
    if (payload.length > this.config.querySizeBytesMax) {
      throw new ValidationError(`query payload exceeds the limit of ${this.config.querySizeBytesMax} bytes`);
    }
    const timeoutMs = Math.max(1, Math.round(params.timeoutMs ?? this.defaultQueryTimeoutMs()));
    const ltime = this.queryClock.time();
    this.queryClock.increment();
    let id = this.rand.intBelow(0x1_0000_0000);
    while (this.queries.has(id)) id = this.rand.intBelow(0x1_0000_0000);
    const message: QueryMessage = {
      type: 'query',
      ltime,
      id,
      from: this.core.member(this.config.nodeName)?.address ?? '',
      sourceNode: this.config.nodeName,
      filters: { ...emptyFilters, ...params.filters },
      wantAck: params.wantAck ?? false,
      relayFactor: params.relayFactor ?? 0,
      timeoutMs,
      name,
      payload,
    };
    const encoded = encodeSerfMessage(message);
    if (encoded.length > this.config.querySizeBytesMax + 256) {
      throw new ValidationError(`encoded query exceeds the limit of ${this.config.querySizeBytesMax} bytes`);
    }
    const now = Math.max(nowMs, this.lastNowMs);
    if (!this.queries.start(id, name, now + timeoutMs, params.expectedResponses ?? null)) {
      throw new ValidationError(`too many queries in flight (${this.config.pendingQueryCountMax})`);
    }
    this.core.broadcastUser(encoded);
    this.handleQuery(message, now);
    this.absorb(nowMs);
    return id;
  }

  /** Answers a query delivered as a `query` event; throws ValidationError when too large or past its deadline. */
  respond(query: IncomingQuery, payload: Uint8Array, nowMs: number): void {
    if (payload.length > this.config.queryResponseSizeBytesMax) {
      throw new ValidationError(`query response exceeds the limit of ${this.config.queryResponseSizeBytesMax} bytes`);
    }
    if (nowMs > query.deadlineMs) throw new ValidationError('query response is past the query deadline');
    this.sendQueryResponse(query, false, payload, nowMs);
    this.absorb(nowMs);
  }

  // --- reads --------------------------------------------------------------------------------------------------------

  /** Every known member, this node included. */
  memberList(): SerfMember[] {
    return [...this.members.values()];
  }

  member(name: string): SerfMember | undefined {
    return this.members.get(name);
  }

  localTags(): Readonly<Record<string, string>> {
    return this.tags;
  }

  /** This node's coordinate, or null when coordinates are off. */
  coordinate(): Coordinate | null {
    return this.vivaldi?.getCoordinate() ?? null;
  }

  /** Last coordinate heard from `name` (on its acks). */
  memberCoordinate(name: string): Coordinate | undefined {
    return this.coordinates.get(name);
  }

  pendingQueryCount(): number {
    return this.queries.size;
  }

  // --- outputs ------------------------------------------------------------------------------------------------------

  takeOutput(): SerfOutput {
    this.absorb(this.lastNowMs);
    const output = this.output;
    this.output = emptySerfOutput();
    return output;
  }

  nextWakeupMs(): number | null {
    let next = Math.min(this.nextReapMs, this.nextReconnectMs);
    const core = this.core.nextWakeupMs();
    if (core !== null) next = Math.min(next, core);
    const query = this.queries.nextDueMs();
    if (query !== null) next = Math.min(next, query);
    const coalesce = this.coalescer.nextDueMs();
    if (coalesce !== null) next = Math.min(next, coalesce);
    return next;
  }

  // --- internals ----------------------------------------------------------------------------------------------------

  /** Pulls the core's output into Serf's, reacting to events and payloads (which may produce more core output). */
  private absorb(nowMs: number): void {
    this.lastNowMs = Math.max(this.lastNowMs, nowMs);
    const now = this.lastNowMs;
    for (let round = 0; round < 8; round++) {
      const output = this.core.takeOutput();
      const empty =
        output.packets.length +
          output.streams.length +
          output.events.length +
          output.userPayloads.length +
          output.rtts.length +
          output.joinResults.length +
          output.remoteUserStates.length ===
        0;
      if (empty) break;
      this.output.packets.push(...output.packets);
      this.output.streams.push(...output.streams);
      for (const event of output.events) this.handleMemberEvent(event, now);
      for (const { payload } of output.userPayloads) this.handleUserPayload(payload, now);
      for (const sample of output.rtts) this.handleRtt(sample.member, sample.rttMs, sample.payload);
      for (const state of output.remoteUserStates) this.handleRemoteState(state.from, state.userState);
      for (const result of output.joinResults) {
        this.pendingJoinSeeds.delete(result.seed);
        const reconnect = this.reconnectSeeds.delete(result.seed);
        this.output.events.push({
          type: 'join-result',
          seed: result.seed,
          ok: result.ok,
          reconnect,
          ...(result.refusal === undefined ? {} : { refusal: result.refusal }),
        });
      }
    }
    this.recordClocks();
    this.refreshUserState();
  }

  private refreshUserState(): void {
    if (!this.userStateDirty) return;
    this.userStateDirty = false;
    const now = this.lastNowMs;
    this.userStateEncodedMs = now;
    const leaveIntents: CarriedLeaveIntent[] = [];
    for (const [node, intent] of this.leaveIntents) {
      // Whole milliseconds: times from a real clock are fractional, and the wire carries integers.
      const ageMs = Math.max(0, Math.floor(now - intent.seenMs));
      if (ageMs > leaveIntentMemoryMs) continue;
      leaveIntents.push({ node, ltime: intent.ltime, prune: intent.prune, incarnation: intent.incarnation, ageMs });
    }
    const leftMembers: CarriedLeftMember[] = [];
    for (const member of this.members.values()) {
      if (member.status !== 'left' || member.name === this.config.nodeName) continue;
      leftMembers.push({ node: member.name, incarnation: this.knownIncarnation(member.name) ?? 0 });
    }
    this.core.setUserState(
      encodeUserState({
        clock: this.clock.time(),
        eventClock: this.eventClock.time(),
        queryClock: this.queryClock.time(),
        events: this.events.entries().map((slot) => ({ ltime: slot.ltime, events: slot.items })),
        leaveIntents,
        leftMembers,
      }),
    );
  }

  private recordClocks(): void {
    const clocks = `${this.clock.time()} ${this.eventClock.time()} ${this.queryClock.time()}`;
    if (clocks === this.lastSnapshotClocks) return;
    this.lastSnapshotClocks = clocks;
    this.userStateDirty = true;
    this.output.snapshotLines.push(
      `clock: ${this.clock.time()}`,
      `event-clock: ${this.eventClock.time()}`,
      `query-clock: ${this.queryClock.time()}`,
    );
  }

  private decodeMemberTags(meta: Uint8Array): Record<string, string> {
    try {
      return decodeTags(meta);
    } catch {
      this.counters.tagDecodeFailures++;
      return {};
    }
  }

  private setStatus(member: SerfMember, status: SerfMemberStatus, nowMs: number): SerfMember {
    // Left members travel in push-pull: a change into or out of left changes the state this node sends.
    if (status === 'left' || member.status === 'left') this.userStateDirty = true;
    const updated = { ...member, status, statusChangeMs: nowMs };
    this.members.set(member.name, updated);
    return updated;
  }

  private handleMemberEvent(event: MemberEvent, nowMs: number): void {
    const { member } = event;
    if (event.type !== 'conflict') this.lastIncarnations.set(member.name, member.incarnation);
    const previous = this.members.get(member.name);
    const base: SerfMember = {
      name: member.name,
      address: member.address,
      tags: this.decodeMemberTags(member.meta),
      status: previous?.status ?? 'alive',
      statusChangeMs: previous?.statusChangeMs ?? nowMs,
    };
    switch (event.type) {
      case 'join': {
        this.clock.increment();
        this.clearPendingLeave(member.name);
        const joined = { ...base, status: 'alive' as const, statusChangeMs: nowMs };
        this.members.set(member.name, joined);
        this.output.events.push({ type: 'member-join', member: joined });
        this.output.snapshotLines.push(`alive: ${member.name} ${member.address}`);
        return;
      }
      case 'update': {
        this.members.set(member.name, base);
        this.output.events.push({ type: 'member-update', member: base });
        this.output.snapshotLines.push(`alive: ${member.name} ${member.address}`);
        return;
      }
      case 'failed':
      case 'leave': {
        // A member a leave intent reached before its failed verdict is left, not failed, once declared dead.
        const intent = this.leaveIntents.get(member.name);
        // An intent about an earlier life of the node (it has refuted or rejoined since) does not make this
        // failure a leave.
        const forced =
          event.type === 'failed' &&
          intent?.pending === true &&
          (intent.incarnation === null || member.incarnation <= intent.incarnation) &&
          member.name !== this.config.nodeName;
        if (intent) intent.pending = false;
        const status = event.type === 'failed' && !forced ? 'failed' : 'left';
        const gone = this.setStatus(base, status, nowMs);
        this.output.events.push({ type: status === 'failed' ? 'member-failed' : 'member-leave', member: gone });
        this.output.snapshotLines.push(`not-alive: ${member.name}`);
        if (forced && intent?.prune) this.erase(gone);
        return;
      }
      case 'conflict':
        this.output.events.push({ type: 'member-conflict', member: base, otherAddress: event.otherAddress ?? '' });
        if (member.name === this.config.nodeName) this.resolveNameConflict(event.otherAddress ?? '', nowMs);
        return;
      case 'suspect':
      case 'alive':
        // Serf reports suspects as alive: only the verdict (failed) changes a member's status. A suspect that a
        // leave intent marked leaving and that refuted the suspicion is alive again.
        if (!previous) this.members.set(member.name, base);
        else if (event.type === 'alive' && member.name !== this.config.nodeName) {
          this.clearPendingLeave(member.name);
          if (previous.status === 'leaving') this.setStatus(base, 'alive', nowMs);
        }
        return;
    }
  }

  private handleUserPayload(payload: Uint8Array, nowMs: number): void {
    let message: ReturnType<typeof decodeSerfMessage>;
    try {
      message = decodeSerfMessage(payload);
    } catch (error) {
      if (!(error instanceof SerfDecodeError)) throw error;
      this.counters.decodeFailures++;
      return;
    }
    if (message.type === 'user-event') {
      // Re-broadcast what is new to us, as serf does, so events outlive the originator's retransmits.
      if (this.handleUserEvent(message, nowMs)) this.core.broadcastUser(payload);
    } else if (message.type === 'query') {
      if (this.handleQuery(message, nowMs)) this.core.broadcastUser(payload);
    } else if (message.type === 'query-response') {
      this.handleQueryResponse(message);
    } else if (message.type === 'leave-intent') {
      if (this.handleLeaveIntent(message, nowMs)) this.core.broadcastUser(payload);
    } else {
      // Forward only to a member we know, so relays cannot be used to send to arbitrary addresses.
      const known = [...this.members.values()].some((member) => member.address === message.to);
      if (known) {
        this.counters.relaysForwarded++;
        this.core.sendMessage(message.to, { type: 'user', payload: encodeSerfMessage(message.response) });
      } else {
        this.counters.relaysRefused++;
      }
    }
  }

  /**
   * serf handleNodeLeaveIntent; returns whether the intent was new (and so is re-broadcast). `carried`: the intent
   * came in a push-pull state, with the node's incarnation and the intent's age as the sender knew them.
   */
  private handleLeaveIntent(
    message: LeaveIntentMessage,
    nowMs: number,
    carried: Pick<CarriedLeaveIntent, 'incarnation' | 'ageMs'> | null = null,
  ): boolean {
    this.clock.witness(message.ltime);
    const seen = this.leaveIntents.get(message.node);
    if (seen !== undefined && message.ltime <= seen.ltime) {
      this.counters.leaveIntentsDuplicate++;
      return false;
    }
    if (message.node === this.config.nodeName && !this.leaving) {
      // serf refutes with a join intent; here liveness is the core's: an alive node is not failed anywhere for
      // long, and only failed (or suspect) members act on an intent. So the intent is dropped, not spread.
      this.counters.leaveIntentsRefuted++;
      return false;
    }
    const known = this.knownIncarnation(message.node);
    if (carried !== null) {
      if (carried.ageMs > leaveIntentMemoryMs) return false;
      if (carried.incarnation !== null && known !== null && known > carried.incarnation) {
        this.counters.leavesStale++;
        return false;
      }
    }
    this.rememberLeaveIntent(message, nowMs - (carried?.ageMs ?? 0), carried?.incarnation ?? known);
    const member = this.members.get(message.node);
    if (member === undefined || member.name === this.config.nodeName) return true;
    switch (member.status) {
      case 'failed': {
        const left = this.setStatus(member, 'left', nowMs);
        this.output.events.push({ type: 'member-leave', member: left });
        if (carried !== null) this.counters.leavesFromPushPull++;
        if (message.prune) this.erase(left);
        return true;
      }
      case 'left':
        if (message.prune) {
          if (carried !== null) this.counters.leavesFromPushPull++;
          this.erase(member);
        }
        return true;
      case 'leaving':
        return true;
      case 'alive': {
        // serf marks it leaving until its failed verdict (then left, pruned if asked) or its refuting join intent.
        // Lattice has no join intents, so only a suspect shows as leaving (refuting the suspicion makes it alive
        // again); any alive member's intent waits, pending, for the verdict.
        const intent = this.leaveIntents.get(member.name);
        if (intent) intent.pending = true;
        if (this.core.member(member.name)?.state === 'suspect') this.setStatus(member, 'leaving', nowMs);
        return true;
      }
    }
  }

  private clearPendingLeave(name: string): void {
    const intent = this.leaveIntents.get(name);
    if (intent) intent.pending = false;
  }

  private rememberLeaveIntent(message: LeaveIntentMessage, seenMs: number, incarnation: number | null): void {
    this.leaveIntents.delete(message.node);
    if (this.leaveIntents.size >= leaveIntentCountMax) {
      const oldest = this.leaveIntents.keys().next().value;
      if (oldest !== undefined) this.leaveIntents.delete(oldest);
    }
    const { ltime, prune } = message;
    this.leaveIntents.set(message.node, { ltime, prune, seenMs, incarnation, pending: false });
    this.userStateDirty = true;
  }

  /** Forgets a member now (reaped by age, or pruned by a leave intent). */
  private erase(member: SerfMember): void {
    if (member.status === 'left') this.userStateDirty = true;
    this.members.delete(member.name);
    this.lastIncarnations.delete(member.name);
    this.coordinates.delete(member.name);
    this.vivaldi?.forgetNode(member.name);
    this.counters.reaped++;
    this.output.events.push({ type: 'member-reap', member });
  }

  /** Returns whether the event was new. */
  private handleUserEvent(message: UserEventMessage, nowMs: number): boolean {
    this.eventClock.witness(message.ltime);
    if (message.ltime < this.eventMinTime) {
      this.counters.eventsTooOld++;
      return false;
    }
    const admission = this.events.admit(
      message.ltime,
      { name: message.name, payload: message.payload },
      this.eventClock.time(),
    );
    if (admission !== 'new') {
      if (admission === 'duplicate') this.counters.eventsDuplicate++;
      else this.counters.eventsTooOld++;
      return false;
    }
    this.userStateDirty = true;
    if (message.coalesce) {
      const flushed = this.coalescer.offer(
        { ltime: message.ltime, name: message.name, payload: message.payload },
        nowMs,
      );
      for (const event of flushed) this.deliverUserEvent(event.ltime, event.name, event.payload, true);
    } else {
      this.deliverUserEvent(message.ltime, message.name, message.payload, false);
    }
    return true;
  }

  private deliverUserEvent(ltime: number, name: string, payload: Uint8Array, coalesce: boolean): void {
    this.output.events.push({ type: 'user', ltime, name, payload, coalesce });
  }

  /** Returns whether the query was new (and so is re-broadcast). */
  private handleQuery(message: QueryMessage, nowMs: number): boolean {
    this.queryClock.witness(message.ltime);
    const admission = this.queriesSeen.admit(message.ltime, message.id, this.queryClock.time());
    if (admission !== 'new') {
      if (admission === 'duplicate') this.counters.queriesDuplicate++;
      else this.counters.queriesTooOld++;
      return false;
    }
    if (!this.matchesFilters(message.filters)) return true;
    const query: IncomingQuery = {
      id: message.id,
      ltime: message.ltime,
      name: message.name,
      payload: message.payload,
      sourceNode: message.sourceNode,
      from: message.from,
      deadlineMs: nowMs + message.timeoutMs,
      relayFactor: message.relayFactor,
    };
    if (message.wantAck) this.sendQueryResponse(query, true, new Uint8Array(0), nowMs);
    const operation = operationForQuery(message.name);
    if (operation !== null) {
      const { response, changed } = answerKeyringQuery(operation, message.payload, this.keyring);
      if (changed) this.output.events.push({ type: 'keyring-changed' });
      this.sendQueryResponse(query, false, response, nowMs);
    } else if (message.name === conflictQueryName) {
      // Answer with the address this node knows for the contested name (empty when it knows none).
      const name = Buffer.from(message.payload).toString('utf8');
      const known = this.members.get(name)?.address ?? '';
      this.sendQueryResponse(query, false, Buffer.from(known), nowMs);
    } else if (message.name.startsWith('_serf_')) {
      // Internal queries this node does not implement (e.g. _serf_ping) get no answer.
    } else {
      this.output.events.push({ type: 'query', query });
    }
    return true;
  }

  private sendQueryResponse(query: IncomingQuery, ack: boolean, payload: Uint8Array, _nowMs: number): void {
    const response: QueryResponseMessage = {
      type: 'query-response',
      ltime: query.ltime,
      id: query.id,
      from: this.config.nodeName,
      ack,
      payload,
    };
    if (query.sourceNode === this.config.nodeName) {
      // Our own query: no need to go through the network.
      this.handleQueryResponse(response);
      return;
    }
    this.core.sendMessage(query.from, { type: 'user', payload: encodeSerfMessage(response) });
    if (query.relayFactor > 0) this.relayResponse(query, response);
  }

  /** Sends the response through `relayFactor` random alive members as well (serf's relayResponse). */
  private relayResponse(query: IncomingQuery, response: QueryResponseMessage): void {
    const candidates = [...this.members.values()].filter(
      (member) => member.status === 'alive' && member.name !== this.config.nodeName && member.address !== query.from,
    );
    const relay = encodeSerfMessage({ type: 'relay', to: query.from, response });
    for (let sent = 0; sent < query.relayFactor && candidates.length > 0; sent++) {
      const [chosen] = candidates.splice(this.rand.intBelow(candidates.length), 1);
      this.core.sendMessage(chosen!.address, { type: 'user', payload: relay });
    }
  }

  private handleQueryResponse(message: QueryResponseMessage): void {
    const finished = this.queries.record(message.id, message.from, message.ack, message.payload);
    if (typeof finished === 'object') this.finishQuery(finished);
  }

  private finishQuery(result: QueryResult): void {
    if (result.id !== this.conflictQuery?.id) {
      this.output.events.push({ type: 'query-done', result });
      return;
    }
    const { otherAddress } = this.conflictQuery;
    this.conflictQuery = null;
    const ownAddress = this.core.member(this.config.nodeName)?.address ?? '';
    let agreeing = 0;
    for (const answer of result.responses.values()) {
      if (Buffer.from(answer).toString('utf8') === ownAddress) agreeing++;
    }
    const responses = result.responses.size;
    // serf: a node in the minority (agreeing ≤ half of the answers) gives the name up.
    const outcome = agreeing <= responses / 2 ? 'lost' : 'won';
    this.output.events.push({ type: 'name-conflict', outcome, otherAddress, agreeing, responses });
  }

  /** Asks the pool who holds this node's name (one resolution at a time, as serf does). */
  private resolveNameConflict(otherAddress: string, nowMs: number): void {
    if (this.conflictQuery !== null || this.leaving) return;
    const payload = Buffer.from(this.config.nodeName);
    let id: number;
    try {
      id = this.query(conflictQueryName, payload, {}, nowMs);
    } catch {
      return; // too many queries in flight: the next conflict message retries
    }
    this.conflictQuery = { id, otherAddress };
  }

  private matchesFilters(filters: QueryFilters): boolean {
    if (filters.nodes.length > 0 && !filters.nodes.includes(this.config.nodeName)) return false;
    for (const [tag, pattern] of Object.entries(filters.tags)) {
      const regex = this.compileFilter(pattern);
      if (regex === null) return false;
      if (!regex.test(this.tags[tag] ?? '')) return false;
    }
    return true;
  }

  private compileFilter(pattern: string): RegExp | null {
    let regex = this.regexCache.get(pattern);
    if (regex !== undefined) return regex;
    regex = null;
    if (nestedQuantifier.test(pattern)) {
      // JavaScript regexes backtrack (Go's, which serf uses, do not): a quantified group holding a quantifier
      // could stall this node on a crafted filter, so such filters match nothing.
      this.counters.badFilters++;
    } else {
      try {
        regex = new RegExp(`^(?:${pattern})$`);
      } catch {
        this.counters.badFilters++;
      }
    }
    if (this.regexCache.size >= regexCacheSizeMax) this.regexCache.clear();
    this.regexCache.set(pattern, regex);
    return regex;
  }

  private handleRtt(member: string, rttMs: number, payload: Uint8Array): void {
    if (!this.vivaldi || payload.length === 0) return;
    try {
      const other = decodeCoordinateWire(payload, this.vivaldi.getCoordinate().vec.length);
      this.vivaldi.update(member, other, rttMs);
      if (this.coordinates.size < 65_536 || this.coordinates.has(member)) this.coordinates.set(member, other);
      this.core.setAckPayload(encodeCoordinateWire(this.vivaldi.getCoordinate()));
    } catch {
      this.counters.coordinateRejected++;
    }
  }

  private handleRemoteState(from: string, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    let state: ReturnType<typeof decodeUserState>;
    try {
      state = decodeUserState(bytes, {
        eventSlotCountMax: this.config.eventBufferSize,
        leaveIntentCountMax,
        leftMemberCountMax: carriedLeftMemberCountMax,
      });
    } catch {
      this.counters.remoteStatesRefused++;
      return;
    }
    this.clock.witness(state.clock - 1);
    this.eventClock.witness(state.eventClock - 1);
    this.queryClock.witness(state.queryClock - 1);
    // Leaves first, as serf's MergeRemoteState does, then events.
    const now = this.lastNowMs;
    for (const intent of state.leaveIntents) {
      const { node, ltime, prune } = intent;
      this.handleLeaveIntent({ type: 'leave-intent', node, ltime, prune }, now, intent);
    }
    for (const left of state.leftMembers) this.mergeLeftMember(left, now);
    if (this.pendingJoinSeeds.has(from)) this.eventMinTime = Math.max(this.eventMinTime, state.eventClock);
    for (const slot of state.events) {
      for (const event of slot.events) {
        this.handleUserEvent(
          { type: 'user-event', ltime: slot.ltime, name: event.name, payload: event.payload, coalesce: false },
          this.lastNowMs,
        );
      }
    }
  }

  /**
   * serf merges each of a push-pull's LeftMembers as a leave intent. Here a carried left member moves only a member
   * this node holds failed (it missed the leave, or declared the node failed first) to left, unless this node has
   * seen the node at a higher incarnation since (a later life). Live members are left to the core: the same
   * push-pull carries a graceful leave to it, and a forced one arrives as a carried intent.
   */
  private mergeLeftMember(carried: CarriedLeftMember, nowMs: number): void {
    const member = this.members.get(carried.node);
    if (member === undefined || member.status !== 'failed' || member.name === this.config.nodeName) return;
    const incarnation = this.knownIncarnation(carried.node);
    if (incarnation !== null && incarnation > carried.incarnation) {
      this.counters.leavesStale++;
      return;
    }
    const left = this.setStatus(member, 'left', nowMs);
    this.counters.leavesFromPushPull++;
    this.output.events.push({ type: 'member-leave', member: left });
  }

  /** The node's incarnation as the core holds it, or as last reported once the core has forgotten it. */
  private knownIncarnation(name: string): number | null {
    return this.core.member(name)?.incarnation ?? this.lastIncarnations.get(name) ?? null;
  }

  private reap(nowMs: number): void {
    for (const member of membersToReap(this.members.values(), nowMs, this.config)) {
      if (member.name === this.config.nodeName) continue;
      this.erase(member);
    }
    for (const [node, intent] of this.leaveIntents) {
      if (nowMs - intent.seenMs <= leaveIntentMemoryMs) continue;
      this.leaveIntents.delete(node);
      this.userStateDirty = true;
    }
  }

  private reconnect(nowMs: number): void {
    if (this.leaving) return;
    const target = chooseReconnectTarget(this.members.values(), this.rand);
    if (target === null) return;
    this.counters.reconnectAttempts++;
    if (this.reconnectSeeds.size < 64) this.reconnectSeeds.add(target.address);
    this.core.join([target.address], nowMs);
  }
}
