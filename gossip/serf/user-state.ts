// What Serf adds to every push-pull (serf's messagePushPull): its Lamport clocks and the recent user events, so a
// member that missed gossip, or just joined, catches up. Strictly decoded; a bad state is refused as a whole.

import { Packr } from 'msgpackr';
import { SerfDecodeError } from './messages.js';

export interface RecentEvent {
  readonly name: string;
  readonly payload: Uint8Array;
}

export interface SerfUserState {
  readonly clock: number;
  readonly eventClock: number;
  readonly queryClock: number;
  readonly events: readonly { readonly ltime: number; readonly events: readonly RecentEvent[] }[];
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeUserState(state: SerfUserState): Uint8Array {
  return packr.pack([
    state.clock,
    state.eventClock,
    state.queryClock,
    state.events.map((slot) => [slot.ltime, slot.events.map((event) => [event.name, event.payload])]),
  ]);
}

const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function decodeUserState(bytes: Uint8Array, slotCountMax: number): SerfUserState {
  let body: unknown;
  try {
    body = packr.unpack(bytes);
  } catch (error) {
    throw new SerfDecodeError('serf push-pull state is not valid msgpack', { cause: error });
  }
  if (!Array.isArray(body) || body.length !== 4) throw new SerfDecodeError('serf push-pull state must be a 4-list');
  const [clock, eventClock, queryClock, slots] = body;
  if (!isTime(clock) || !isTime(eventClock) || !isTime(queryClock)) {
    throw new SerfDecodeError('serf push-pull state has an invalid clock');
  }
  if (!Array.isArray(slots) || slots.length > slotCountMax) throw new SerfDecodeError('serf push-pull events invalid');
  const events = slots.map((slot: unknown) => {
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
  return { clock, eventClock, queryClock, events };
}
