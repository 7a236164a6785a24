// Large read answers cross the RPC stream encoded once and decoded once. The state store hands every read of the
// same rows at the same index the same answer object (health-reads.ts caches them per generation), so the server
// encodes that object's `value` once (kept in a WeakMap while the object lives) and tags it; the client keeps the
// decoded value of a recent tag and gives every later reply with that tag the same object, which the agent's HTTP
// layer then presents and serializes once (agent/http/query-shared-body.ts). A forwarded read of a 100-instance
// service then costs the leader a memcpy and the follower a lookup instead of a msgpack encode and decode each.
// Answers are never modified after they are made, which is what makes sharing them safe.

import { randomUUID } from 'node:crypto';
import { Packr } from 'msgpackr';
import { unpackKeepingKeys } from '../../lib/msgpack-keys.js';
import type { WireResponse } from './wire.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** Values smaller than this travel inline as before: tagging them saves little. */
export const taggedValueSizeBytesMin = 4096;
/** Decoded values a client keeps, by count and by their encoded size (bounded memory, STYLE §3.7). */
export const decodedValuesMax = 256;
export const decodedValuesSizeBytesMax = 32 * 1024 * 1024;

interface Tagged {
  readonly tag: string;
  readonly bytes: Buffer;
}

/** A reply whose `value` travels apart: `valueBytes` (msgpack) under `valueTag`, the rest of the reply inline. */
interface TaggedResponse {
  readonly ok: true;
  readonly reply: Record<string, unknown>;
  readonly valueTag: string;
  readonly valueBytes: Uint8Array;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Server side: one per RPC service, so tags are unique to this process (a random prefix) and its answers. */
export class ReplyValueEncoder {
  private readonly prefix = randomUUID();
  private nextTag = 1;
  /** Value objects already encoded; null = too small to tag. */
  private readonly encoded = new WeakMap<object, Tagged | null>();

  /** The response to put on the wire: a read answer's large value tagged, anything else as it is. */
  wireForm(response: WireResponse): WireResponse | TaggedResponse {
    if (!response.ok || !isObject(response.reply)) return response;
    const { value, ...rest } = response.reply;
    if (typeof value !== 'object' || value === null || !('meta' in rest)) return response;
    let tagged = this.encoded.get(value);
    if (tagged === undefined) {
      const bytes = packr.pack(value);
      tagged = bytes.length < taggedValueSizeBytesMin ? null : { tag: `${this.prefix}.${this.nextTag++}`, bytes };
      this.encoded.set(value, tagged);
    }
    if (tagged === null) return response;
    return { ok: true, reply: rest, valueTag: tagged.tag, valueBytes: tagged.bytes };
  }
}

/** Client side: one per connection to a server; turns tagged responses back into ordinary ones. */
export class ReplyValueDecoder {
  private readonly values = new Map<string, { readonly value: unknown; readonly sizeBytes: number }>();
  private sizeBytes = 0;

  /** The response with its value in place (the same object for every reply of one tag while it is kept). */
  readForm(response: unknown): unknown {
    if (!isObject(response) || response['ok'] !== true || !isObject(response['reply'])) return response;
    const tag = response['valueTag'];
    const bytes = response['valueBytes'];
    if (typeof tag !== 'string' || !(bytes instanceof Uint8Array)) return response;
    return { ok: true, reply: { ...response['reply'], value: this.valueOf(tag, bytes) } };
  }

  private valueOf(tag: string, bytes: Uint8Array): unknown {
    const kept = this.values.get(tag);
    if (kept !== undefined) return kept.value;
    const value = unpackKeepingKeys(packr, bytes);
    if (bytes.length <= decodedValuesSizeBytesMax) {
      this.values.set(tag, { value, sizeBytes: bytes.length });
      this.sizeBytes += bytes.length;
      // Oldest first (Map order): a tag seen again is most likely the newest answer of a watched query.
      for (const [oldTag, old] of this.values) {
        if (this.values.size <= decodedValuesMax && this.sizeBytes <= decodedValuesSizeBytesMax) break;
        this.values.delete(oldTag);
        this.sizeBytes -= old.sizeBytes;
      }
    }
    return value;
  }
}
