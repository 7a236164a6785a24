// msgpackr decodes a map key `__proto__` as `__proto_` (its guard against prototype pollution), which silently
// renamed a Meta key or dropped a service named `__proto__` on its way through the Raft log, snapshots and RPC.
// Frames holding those bytes anywhere (rare: a native substring search decides) are decoded to Maps instead and
// rebuilt as plain objects with own `__proto__` properties; every other frame takes the caller's fast decoder.

import { Unpackr } from 'msgpackr';
import { setOwn } from './records.js';

const protoKey = Buffer.from('__proto__', 'utf8');
const mapDecoder = new Unpackr({ useRecords: false, mapsAsObjects: false });

function objectsFromMaps(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) setOwn(out, String(key), objectsFromMaps(item));
    return out;
  }
  if (Array.isArray(value)) return value.map(objectsFromMaps);
  return value;
}

/** `decoder.unpack(bytes)`, except that map keys named `__proto__` arrive as they were sent. */
export function unpackKeepingKeys(
  decoder: { unpack(bytes: Buffer | Uint8Array): unknown },
  bytes: Uint8Array,
): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.indexOf(protoKey) < 0) return decoder.unpack(bytes);
  return objectsFromMaps(mapDecoder.unpack(buffer));
}
