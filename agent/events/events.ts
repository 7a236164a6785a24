// Consul's user events (reference §4.8): fired as gossip user events named `consul:event:<name>` whose payload is
// the whole event struct in a compact JSON encoding. Every agent receives every event and applies its filters
// (node, service, tag: Go regexes) itself, as Consul's shouldProcessUserEvent does, keeping only the matching
// ones, the last 256, for /v1/event/list. Its index is Consul's uuidToUint64 of the newest event's ID (not
// monotonic, reference §6.21), kept as a bigint so no bit is lost.

import { randomUUID } from 'node:crypto';
import { LatticeError } from '../../lib/errors.js';
import { compileGoRegexp } from './go-regexp.js';

/** Consul keeps this many received events (agent/user_event.go). */
export const eventBufferSize = 256;
/** Serf's user event size limit (name + payload before encoding). */
export const userEventSizeLimit = 512;
/** The serf user-event name prefix Consul puts in front of the event name. */
export const userEventPrefix = 'consul:event:';
/**
 * Consul's remote-exec event (`consul exec`). Consul never lists it: once it passed the filters it goes to the
 * remote exec handler (agent/remote-exec), which runs it or, with remote exec disabled (the default), ignores it.
 */
export const remoteExecEventName = '_rexec';

export interface UserEvent {
  readonly id: string;
  readonly name: string;
  readonly payload: Uint8Array;
  readonly nodeFilter: string;
  readonly serviceFilter: string;
  readonly tagFilter: string;
  readonly version: number;
  readonly ltime: number;
}

export interface UserEventJson {
  ID: string;
  Name: string;
  Payload: string | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  LTime: number;
}

export function eventToJson(event: UserEvent): UserEventJson {
  return {
    ID: event.id,
    Name: event.name,
    Payload: event.payload.length === 0 ? null : Buffer.from(event.payload).toString('base64'),
    NodeFilter: event.nodeFilter,
    ServiceFilter: event.serviceFilter,
    TagFilter: event.tagFilter,
    Version: event.version,
    LTime: event.ltime,
  };
}

/** Compact wire form: short keys, empty filters and payload left out. */
export function encodeEvent(event: Omit<UserEvent, 'ltime'>): Uint8Array {
  const wire: Record<string, string | number> = { i: event.id, v: event.version };
  if (event.payload.length > 0) wire.p = Buffer.from(event.payload).toString('base64');
  if (event.nodeFilter !== '') wire.n = event.nodeFilter;
  if (event.serviceFilter !== '') wire.s = event.serviceFilter;
  if (event.tagFilter !== '') wire.t = event.tagFilter;
  return Buffer.from(JSON.stringify(wire));
}

/** The event carried by a serf user event, or null when it is not a well-formed Consul event. */
export function decodeEvent(serfName: string, payload: Uint8Array, ltime: number): UserEvent | null {
  if (!serfName.startsWith(userEventPrefix)) return null;
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof wire !== 'object' || wire === null) return null;
  const w = wire as Record<string, unknown>;
  if (typeof w.i !== 'string') return null;
  const str = (value: unknown): string => (typeof value === 'string' ? value : '');
  return {
    id: w.i,
    name: serfName.slice(userEventPrefix.length),
    payload: new Uint8Array(Buffer.from(str(w.p), 'base64')),
    nodeFilter: str(w.n),
    serviceFilter: str(w.s),
    tagFilter: str(w.t),
    version: typeof w.v === 'number' ? w.v : 1,
    ltime,
  };
}

/** Consul's uuidToUint64: the first 8 bytes of the UUID XORed with the last 8. */
export function uuidToUint64(uuid: string): bigint {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return 0n;
  return BigInt(`0x${hex.slice(0, 16)}`) ^ BigInt(`0x${hex.slice(16)}`);
}

export class EventError extends LatticeError {}

/** What the filters are checked against: this node and its local service instances. */
export interface EventTarget {
  readonly nodeName: string;
  services(): readonly EventTargetService[];
}

export interface EventTargetService {
  /** The instance ID: Consul's shouldProcessUserEvent matches the service filter against the ID, not the name. */
  readonly id: string;
  readonly tags: readonly string[];
}

/**
 * Consul's shouldProcessUserEvent: unanchored regexes; a service filter needs a local service whose ID matches
 * and, with a tag filter, one of that service's tags matching too. A filter that does not compile never matches.
 */
export function eventMatches(event: UserEvent, target: EventTarget): boolean {
  try {
    if (event.nodeFilter !== '' && !compileGoRegexp(event.nodeFilter).test(target.nodeName)) return false;
    if (event.serviceFilter !== '') {
      const service = compileGoRegexp(event.serviceFilter);
      const tag = event.tagFilter === '' ? null : compileGoRegexp(event.tagFilter);
      return target.services().some((s) => service.test(s.id) && (tag === null || s.tags.some((t) => tag.test(t))));
    }
    return true;
  } catch {
    return false;
  }
}

export interface FireRequest {
  readonly name: string;
  readonly payload: Uint8Array;
  readonly nodeFilter?: string;
  readonly serviceFilter?: string;
  readonly tagFilter?: string;
}

/** Consul's validateUserEventParams wording: `Invalid node filter: <error>`. */
function checkRegex(value: string, what: string): void {
  try {
    compileGoRegexp(value);
  } catch (error) {
    throw new EventError('ERR_BAD_REQUEST', `Invalid ${what} filter: ${(error as Error).message}`);
  }
}

/** The last 256 events this agent received and accepted; blocking waiters wake on each new one. */
export class EventStore {
  private readonly ring: UserEvent[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly target: EventTarget,
    /** Sends a serf user event; returns its Lamport time. */
    private readonly send: (serfName: string, payload: Uint8Array) => number,
    /** Receives the `_rexec` events whose filters match this agent; they are never listed. */
    private readonly onRemoteExec: (event: UserEvent) => void = () => undefined,
  ) {}

  /** Fires an event to the cluster (the local copy arrives through gossip like everyone else's). */
  fire(request: FireRequest): UserEvent {
    if (request.name === '') throw new EventError('ERR_BAD_REQUEST', 'User event missing name');
    const nodeFilter = request.nodeFilter ?? '';
    const serviceFilter = request.serviceFilter ?? '';
    const tagFilter = request.tagFilter ?? '';
    if (tagFilter !== '' && serviceFilter === '')
      throw new EventError('ERR_BAD_REQUEST', 'Cannot provide tag filter without service filter');
    checkRegex(nodeFilter, 'node');
    checkRegex(serviceFilter, 'service');
    checkRegex(tagFilter, 'tag');
    const draft = {
      id: randomUUID(),
      name: request.name,
      payload: request.payload,
      nodeFilter,
      serviceFilter,
      tagFilter,
      version: 1,
    };
    const encoded = encodeEvent(draft);
    const serfName = `${userEventPrefix}${request.name}`;
    if (serfName.length + encoded.length > userEventSizeLimit)
      throw new EventError(
        'ERR_EVENT_TOO_LARGE',
        `user event exceeds configured limit of ${userEventSizeLimit} bytes before encoding`,
      );
    const ltime = this.send(serfName, encoded);
    return { ...draft, ltime };
  }

  /** A serf user event arrived: keep it when it is a Consul event whose filters match this agent. */
  receive(serfName: string, payload: Uint8Array, ltime: number): boolean {
    const event = decodeEvent(serfName, payload, ltime);
    if (event === null || !eventMatches(event, this.target)) return false;
    if (event.name === remoteExecEventName) {
      this.onRemoteExec(event);
      return false;
    }
    this.add(event);
    return true;
  }

  add(event: UserEvent): void {
    this.ring.push(event);
    if (this.ring.length > eventBufferSize) this.ring.shift();
    for (const listener of [...this.listeners]) listener();
  }

  /** Oldest first, optionally only events named `name`. */
  list(name = ''): UserEvent[] {
    return name === '' ? [...this.ring] : this.ring.filter((e) => e.name === name);
  }

  /** Calls `listener` on every accepted event; returns the unsubscribe function. */
  onEvent(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/**
 * The /v1/event/list index of a (filtered) list: the newest event's uuidToUint64, and 1 when empty, as Consul
 * answers so that a watch on a name nobody fires blocks at index 1 instead of looping hot.
 */
export function listIndex(events: readonly UserEvent[]): bigint {
  const newest = events.at(-1);
  return newest === undefined ? 1n : uuidToUint64(newest.id);
}

/** What the agent wires in: its gossip driver (send and receive), its local services (filters), remote exec. */
export interface EventAgentParts {
  readonly nodeName: string;
  readonly onRemoteExec?: (event: UserEvent) => void;
  readonly gossip: {
    userEvent(name: string, payload: Uint8Array): number;
    readonly events: {
      on(
        event: 'user',
        listener: (event: { readonly ltime: number; readonly name: string; readonly payload: Uint8Array }) => void,
      ): unknown;
    };
  };
  readonly state: {
    services(): readonly {
      readonly deleted: boolean;
      readonly row: { readonly ID: string; readonly Tags?: readonly string[] | null };
    }[];
  };
}

/** The agent's EventStore: fires through its gossip, receives every user event, filters on its local services. */
export function agentEventStore(parts: EventAgentParts): EventStore {
  const store = new EventStore(
    {
      nodeName: parts.nodeName,
      services: () =>
        parts.state
          .services()
          .filter((s) => !s.deleted)
          .map((s) => ({ id: s.row.ID, tags: s.row.Tags ?? [] })),
    },
    (name, payload) => parts.gossip.userEvent(name, payload),
    parts.onRemoteExec,
  );
  parts.gossip.events.on('user', (event) => store.receive(event.name, event.payload, event.ltime));
  return store;
}
