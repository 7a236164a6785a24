// What Serf adds to every push-pull (serf's messagePushPull): its Lamport clocks, the recent user events, and the
// leaves it knows (serf's LeftMembers, plus its recent leave intents), so a member that missed gossip, or just
// joined, catches up. Strictly decoded; a bad state is refused as a whole. A state from a Lattice version that
// carried no leaves (a 4-list) is still read.

import { Packr } from 'msgpackr';
import { SerfDecodeError } from './messages.js';

export interface RecentEvent {
  readonly name: string;
  readonly payload: Uint8Array;
}

/**
 * A force-leave intent the sender still remembers. `incarnation`: the node's incarnation in the sender's view when
 * the intent arrived (null: the sender did not know the node), so a receiver that has since seen the node come
 * back at a higher one ignores it. `ageMs`: how long the sender has held it, so an intent passed from member to
 * member expires pool-wide instead of living on in newcomers.
 */
export interface CarriedLeaveIntent {
  readonly node: string;
  readonly ltime: number;
  readonly prune: boolean;
  readonly incarnation: number | null;
  readonly ageMs: number;
}

/** A member the sender holds as left (gracefully or forced), at the incarnation it left with. */
export interface CarriedLeftMember {
  readonly node: string;
  readonly incarnation: number;
}

export interface SerfUserState {
  readonly clock: number;
  readonly eventClock: number;
  readonly queryClock: number;
  readonly events: readonly { readonly ltime: number; readonly events: readonly RecentEvent[] }[];
  readonly leaveIntents: readonly CarriedLeaveIntent[];
  readonly leftMembers: readonly CarriedLeftMember[];
}

export interface UserStateLimits {
  readonly eventSlotCountMax: number;
  readonly leaveIntentCountMax: number;
  readonly leftMemberCountMax: number;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const NODE_NAME_BYTES_MAX = 255;

export function encodeUserState(state: SerfUserState): Uint8Array {
  return packr.pack([
    state.clock,
    state.eventClock,
    state.queryClock,
    state.events.map((slot) => [slot.ltime, slot.events.map((event) => [event.name, event.payload])]),
    state.leaveIntents.map((intent) => [intent.node, intent.ltime, intent.prune, intent.incarnation, intent.ageMs]),
    state.leftMembers.map((member) => [member.node, member.incarnation]),
  ]);
}

const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isNodeName = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && Buffer.byteLength(value) <= NODE_NAME_BYTES_MAX;

export function decodeUserState(bytes: Uint8Array, limits: UserStateLimits): SerfUserState {
  let body: unknown;
  try {
    body = packr.unpack(bytes);
  } catch (error) {
    throw new SerfDecodeError('serf push-pull state is not valid msgpack', { cause: error });
  }
  if (!Array.isArray(body) || (body.length !== 4 && body.length !== 6)) {
    throw new SerfDecodeError('serf push-pull state must be a 4- or 6-list');
  }
  const [clock, eventClock, queryClock, slots, intents = [], left = []] = body;
  if (!isTime(clock) || !isTime(eventClock) || !isTime(queryClock)) {
    throw new SerfDecodeError('serf push-pull state has an invalid clock');
  }
  return {
    clock,
    eventClock,
    queryClock,
    events: decodeEvents(slots, limits.eventSlotCountMax),
    leaveIntents: decodeLeaveIntents(intents, limits.leaveIntentCountMax),
    leftMembers: decodeLeftMembers(left, limits.leftMemberCountMax),
  };
}

function decodeEvents(slots: unknown, slotCountMax: number): SerfUserState['events'] {
  if (!Array.isArray(slots) || slots.length > slotCountMax) throw new SerfDecodeError('serf push-pull events invalid');
  return slots.map((slot: unknown) => {
    if (!Array.isArray(slot) || !isTime(slot[0]) || !Array.isArray(slot[1]) || slot[1].length > 64) {
      throw new SerfDecodeError('serf push-pull event slot invalid');
    }
    return {
      ltime: slot[0],
      events: (slot[1] as unknown[]).map((event) => {
        if (!Array.isArray(event) || typeof event[0] !== 'string' || !(event[1] instanceof Uint8Array)) {
          throw new SerfDecodeError('serf push-pull event invalid');
        }
        return { name: event[0], payload: event[1] };
      }),
    };
  });
}

function decodeLeaveIntents(intents: unknown, countMax: number): CarriedLeaveIntent[] {
  if (!Array.isArray(intents) || intents.length > countMax) {
    throw new SerfDecodeError('serf push-pull leave intents invalid');
  }
  return intents.map((intent: unknown) => {
    if (!Array.isArray(intent) || intent.length !== 5) throw new SerfDecodeError('serf push-pull leave intent invalid');
    const [node, ltime, prune, incarnation, ageMs] = intent;
    if (
      !isNodeName(node) ||
      !isTime(ltime) ||
      typeof prune !== 'boolean' ||
      (incarnation !== null && !isTime(incarnation)) ||
      !isTime(ageMs)
    ) {
      throw new SerfDecodeError('serf push-pull leave intent invalid');
    }
    return { node, ltime, prune, incarnation, ageMs };
  });
}

function decodeLeftMembers(left: unknown, countMax: number): CarriedLeftMember[] {
  if (!Array.isArray(left) || left.length > countMax) throw new SerfDecodeError('serf push-pull left members invalid');
  return left.map((member: unknown) => {
    if (!Array.isArray(member) || member.length !== 2 || !isNodeName(member[0]) || !isTime(member[1])) {
      throw new SerfDecodeError('serf push-pull left member invalid');
    }
    return { node: member[0], incarnation: member[1] };
  });
}
