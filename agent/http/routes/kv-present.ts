// How KV entries, sessions and the size refusals look on the wire (Consul structs.DirEntry and Session JSON):
// `Session` only while a key is locked, `Value` base64 or null, session `LockDelay` in nanoseconds and `TTL` a
// string; and Consul's 413 text for a value or transaction over its configured limit.

import { LatticeError } from '../../../lib/errors.js';
import type { KvEntry, Session } from '../../../server/state/kv-types.js';

/** DirEntry in Consul's field order; `Session` is omitempty. */
export function presentKvEntry(entry: KvEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    LockIndex: entry.LockIndex,
    Key: entry.Key,
    Flags: entry.Flags,
    Value: entry.Value,
  };
  if (entry.Session !== '') out['Session'] = entry.Session;
  out['CreateIndex'] = entry.CreateIndex;
  out['ModifyIndex'] = entry.ModifyIndex;
  return out;
}

export function presentSession(session: Session): Record<string, unknown> {
  return {
    ID: session.ID,
    Name: session.Name,
    Node: session.Node,
    LockDelay: session.LockDelay,
    Behavior: session.Behavior,
    TTL: session.TTL,
    NodeChecks: session.NodeChecks,
    ServiceChecks: session.ServiceChecks,
    ...(session.Checks && session.Checks.length > 0 ? { Checks: session.Checks } : {}),
    CreateIndex: session.CreateIndex,
    ModifyIndex: session.ModifyIndex,
  };
}

/** A body over a configured limit: HTTP 413 with Consul's text. */
export class RequestTooLargeError extends LatticeError {
  override readonly name = 'RequestTooLargeError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_REQUEST_TOO_LARGE', message, options);
  }
}

/**
 * Consul's wording (agent/kvs_endpoint.go, txn_endpoint.go), naming the config key that raises the limit; the
 * link is the one current Consul sources print (older releases pointed at www.consul.io).
 */
export function bodyTooLarge(sizeBytes: number, sizeBytesMax: number, configKey: string): RequestTooLargeError {
  return new RequestTooLargeError(
    `Request body(${sizeBytes} bytes) too large, max size: ${sizeBytesMax} bytes. See ` +
      `https://developer.hashicorp.com/docs/agent/config/config-files#${configKey}.`,
  );
}

/** The declared Content-Length, or null when absent or unreadable (chunked bodies are measured after). */
export function declaredLength(headers: Readonly<Record<string, string | string[] | undefined>>): number | null {
  const value = headers['content-length'];
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return Number(value);
}
