// Serf's own messages, carried as opaque user payloads by the gossip core: [type u8][msgpack body]. Decoding is
// strict and never throws anything but SerfDecodeError, so a hostile payload is dropped and counted.

import { Packr } from 'msgpackr';
import { LatticeError } from '../../lib/errors.js';

export const SerfMessageType = Object.freeze({ userEvent: 1, query: 2, queryResponse: 3, relay: 4, leaveIntent: 5 });

/** serf caps the relay factor at 5: each response travels at most 1 + 5 ways. */
export const relayFactorMax = 5;

export interface UserEventMessage {
  readonly type: 'user-event';
  readonly ltime: number;
  readonly name: string;
  readonly payload: Uint8Array;
  readonly coalesce: boolean;
}

export interface QueryFilters {
  /** Only these nodes answer (empty: all). */
  readonly nodes: readonly string[];
  /** Tag name → regular expression the tag value must match (anchored). */
  readonly tags: Readonly<Record<string, string>>;
}

export interface QueryMessage {
  readonly type: 'query';
  readonly ltime: number;
  readonly id: number;
  /** Where responses go (the querier's gossip address). */
  readonly from: string;
  readonly sourceNode: string;
  readonly filters: QueryFilters;
  readonly wantAck: boolean;
  /** Responders also send their response through this many random members (0..5), for lossy paths. */
  readonly relayFactor: number;
  readonly timeoutMs: number;
  readonly name: string;
  readonly payload: Uint8Array;
}

export interface QueryResponseMessage {
  readonly type: 'query-response';
  readonly ltime: number;
  readonly id: number;
  readonly from: string;
  readonly ack: boolean;
  readonly payload: Uint8Array;
}

/** A query response handed to a member to forward to the querier (`to`), when the query asked for relays. */
export interface RelayMessage {
  readonly type: 'relay';
  readonly to: string;
  readonly response: QueryResponseMessage;
}

/**
 * serf's messageLeave: `node` is to be treated as gone (force-leave). Members that hold it failed move it to left;
 * with `prune` they forget it at once instead of keeping it until the tombstone timeout.
 */
export interface LeaveIntentMessage {
  readonly type: 'leave-intent';
  readonly ltime: number;
  readonly node: string;
  readonly prune: boolean;
}

export type SerfMessage = UserEventMessage | QueryMessage | QueryResponseMessage | RelayMessage | LeaveIntentMessage;

export class SerfDecodeError extends LatticeError {
  override readonly name = 'SerfDecodeError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_SERF_DECODE', message, options);
  }
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export function encodeSerfMessage(message: SerfMessage): Uint8Array {
  let code: number;
  let body: unknown[];
  switch (message.type) {
    case 'user-event':
      code = SerfMessageType.userEvent;
      body = [message.ltime, message.name, message.payload, message.coalesce];
      break;
    case 'query':
      code = SerfMessageType.query;
      body = [
        message.ltime,
        message.id,
        message.from,
        message.sourceNode,
        message.filters.nodes,
        message.filters.tags,
        message.wantAck,
        message.timeoutMs,
        message.name,
        message.payload,
        message.relayFactor,
      ];
      break;
    case 'query-response':
      code = SerfMessageType.queryResponse;
      body = responseBody(message);
      break;
    case 'relay':
      code = SerfMessageType.relay;
      body = [message.to, ...responseBody(message.response)];
      break;
    case 'leave-intent':
      code = SerfMessageType.leaveIntent;
      body = [message.ltime, message.node, message.prune];
      break;
  }
  return Buffer.concat([Buffer.from([code]), packr.pack(body)]);
}

function responseBody(message: QueryResponseMessage): unknown[] {
  return [message.ltime, message.id, message.from, message.ack, message.payload];
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isText = (value: unknown, bytesMax = 1024): value is string =>
  typeof value === 'string' && Buffer.byteLength(value) <= bytesMax;
const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

export function decodeSerfMessage(bytes: Uint8Array): SerfMessage {
  if (bytes.length < 2) throw new SerfDecodeError('serf message is empty');
  let body: unknown;
  try {
    body = packr.unpack(bytes.subarray(1));
  } catch (error) {
    throw new SerfDecodeError('serf message body is not valid msgpack', { cause: error });
  }
  if (!Array.isArray(body)) throw new SerfDecodeError('serf message body must be a list');
  const fail = (what: string): never => {
    throw new SerfDecodeError(`serf message has an invalid ${what}`);
  };
  switch (bytes[0]) {
    case SerfMessageType.userEvent: {
      const [ltime, name, payload, coalesce] = body;
      if (!isCount(ltime)) fail('Lamport time');
      if (!isText(name, 512) || name === '') fail('event name');
      if (!isBytes(payload)) fail('payload');
      if (typeof coalesce !== 'boolean') fail('coalesce flag');
      return { type: 'user-event', ltime, name, payload, coalesce } as UserEventMessage;
    }
    case SerfMessageType.query: {
      const [ltime, id, from, sourceNode, nodes, tags, wantAck, timeoutMs, name, payload, relayFactor] = body;
      if (!isCount(ltime)) fail('Lamport time');
      if (!isCount(id)) fail('query id');
      if (!isText(from, 300)) fail('source address');
      if (!isText(sourceNode, 255)) fail('source node');
      if (!Array.isArray(nodes) || nodes.length > 1024 || !nodes.every((node) => isText(node, 255)))
        fail('node filter');
      if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) fail('tag filter');
      const tagEntries = Object.entries(tags as object);
      if (tagEntries.length > 64 || !tagEntries.every(([, pattern]) => isText(pattern, 256))) fail('tag filter');
      if (typeof wantAck !== 'boolean') fail('ack flag');
      if (!isCount(timeoutMs) || (timeoutMs as number) === 0) fail('timeout');
      if (!isText(name, 1024) || name === '') fail('query name');
      if (!isBytes(payload)) fail('payload');
      if (!isCount(relayFactor) || (relayFactor as number) > relayFactorMax) fail('relay factor');
      return {
        type: 'query',
        relayFactor,
        ltime,
        id,
        from,
        sourceNode,
        filters: { nodes: nodes as string[], tags: Object.fromEntries(tagEntries) as Record<string, string> },
        wantAck,
        timeoutMs,
        name,
        payload,
      } as QueryMessage;
    }
    case SerfMessageType.queryResponse:
      return decodeResponse(body, fail);
    case SerfMessageType.relay: {
      const [to, ...rest] = body;
      if (!isText(to, 300)) fail('relay target');
      return { type: 'relay', to, response: decodeResponse(rest, fail) } as RelayMessage;
    }
    case SerfMessageType.leaveIntent: {
      const [ltime, node, prune] = body;
      if (!isCount(ltime)) fail('Lamport time');
      if (!isText(node, 255) || node === '') fail('node name');
      if (typeof prune !== 'boolean') fail('prune flag');
      return { type: 'leave-intent', ltime, node, prune } as LeaveIntentMessage;
    }
    default:
      throw new SerfDecodeError(`unknown serf message type ${bytes[0]}`);
  }
}

function decodeResponse(body: unknown[], fail: (what: string) => never): QueryResponseMessage {
  const [ltime, id, from, ack, payload] = body;
  if (!isCount(ltime)) fail('Lamport time');
  if (!isCount(id)) fail('query id');
  if (!isText(from, 255)) fail('responder');
  if (typeof ack !== 'boolean') fail('ack flag');
  if (!isBytes(payload)) fail('payload');
  return { type: 'query-response', ltime, id, from, ack, payload } as QueryResponseMessage;
}
