// Keyring operations spread as internal serf queries (serf/internal_query.go, keymanager.go): each member applies
// `_serf_install-key`, `_serf_use-key`, `_serf_remove-key` or answers `_serf_list-keys` against its own keyring, and
// the querier folds the answers into Consul's keyring response (keys with holder counts, per-node errors).

import { Packr } from 'msgpackr';
import type { Keyring } from '../keyring.js';

export const keyringQueryNames = Object.freeze({
  install: '_serf_install-key',
  use: '_serf_use-key',
  remove: '_serf_remove-key',
  list: '_serf_list-keys',
});

export type KeyringOperation = keyof typeof keyringQueryNames;

export interface NodeKeyResponse {
  readonly Result: boolean;
  readonly Message: string;
  readonly Keys: readonly string[];
  readonly PrimaryKey: string;
}

/** Consul's `KeyringResponse` body for one pool, before the datacenter fields are added at the HTTP edge. */
export interface KeyResponse {
  /** Node name → error message, for nodes that failed or answered unreadably. */
  readonly Messages: Record<string, string>;
  readonly Keys: Record<string, number>;
  readonly PrimaryKeys: Record<string, number>;
  readonly NumNodes: number;
  readonly NumResp: number;
  readonly NumErr: number;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function operationForQuery(name: string): KeyringOperation | null {
  for (const [operation, queryName] of Object.entries(keyringQueryNames)) {
    if (queryName === name) return operation as KeyringOperation;
  }
  return null;
}

export function encodeKeyRequest(key: string | undefined): Uint8Array {
  return packr.pack({ Key: key ?? '' });
}

/**
 * Applies one keyring query to the local keyring; returns the response to send and whether the keyring changed
 * (the caller then persists it). Never throws: refusals become `Result: false` with the reason.
 */
export function answerKeyringQuery(
  operation: KeyringOperation,
  payload: Uint8Array,
  keyring: Keyring | null,
): { response: Uint8Array; changed: boolean } {
  const respond = (result: boolean, message: string, changed = false) => {
    const body: NodeKeyResponse = {
      Result: result,
      Message: message,
      Keys: keyring && operation === 'list' && result ? keyring.list() : [],
      PrimaryKey: keyring && operation === 'list' && result ? keyring.primaryKeyBase64() : '',
    };
    return { response: packr.pack(body), changed };
  };
  if (keyring === null) return respond(false, 'Keyring is empty (encryption not enabled)');
  if (operation === 'list') return { response: listResponse(keyring), changed: false };
  let key: string;
  try {
    const request = packr.unpack(payload) as { Key?: unknown };
    if (typeof request?.Key !== 'string') return respond(false, 'keyring request has no key');
    key = request.Key;
  } catch {
    return respond(false, 'keyring request is unreadable');
  }
  try {
    const changed =
      operation === 'install' ? keyring.install(key) : operation === 'use' ? keyring.use(key) : keyring.remove(key);
    return respond(true, '', changed);
  } catch (error) {
    return respond(false, error instanceof Error ? error.message : String(error));
  }
}

/** Query responses are capped at 1024 bytes: a long key list is cut, saying so, as serf does. */
export const keyListResponseSizeBytesMax = 1_024;

function listResponse(keyring: Keyring): Uint8Array {
  const keys = keyring.list();
  for (let shown = keys.length; shown >= 1; shown--) {
    const message =
      shown === keys.length ? '' : `Truncated key list response, showing first ${shown} of ${keys.length} keys`;
    const body: NodeKeyResponse = {
      Result: true,
      Message: message,
      Keys: keys.slice(0, shown),
      PrimaryKey: keyring.primaryKeyBase64(),
    };
    const encoded = packr.pack(body);
    if (encoded.length <= keyListResponseSizeBytesMax) return encoded;
  }
  return packr.pack({ Result: false, Message: 'key list does not fit a query response', Keys: [], PrimaryKey: '' });
}

export function decodeNodeKeyResponse(bytes: Uint8Array): NodeKeyResponse | null {
  try {
    const value = packr.unpack(bytes) as Partial<NodeKeyResponse> | null;
    if (typeof value !== 'object' || value === null) return null;
    if (typeof value.Result !== 'boolean' || typeof value.Message !== 'string') return null;
    const keys = Array.isArray(value.Keys) ? value.Keys.filter((key): key is string => typeof key === 'string') : [];
    const primary = typeof value.PrimaryKey === 'string' ? value.PrimaryKey : '';
    return { Result: value.Result, Message: value.Message, Keys: keys, PrimaryKey: primary };
  } catch {
    return null;
  }
}

/** Folds every member's answer into one response, as serf's KeyManager does. */
export function aggregateKeyResponses(responses: ReadonlyMap<string, Uint8Array>, memberCount: number): KeyResponse {
  const messages: Record<string, string> = {};
  const keys: Record<string, number> = {};
  const primaryKeys: Record<string, number> = {};
  let errors = 0;
  for (const [node, bytes] of responses) {
    const answer = decodeNodeKeyResponse(bytes);
    if (answer === null) {
      errors++;
      messages[node] = 'unreadable keyring response';
      continue;
    }
    if (!answer.Result) {
      errors++;
      messages[node] = answer.Message;
      continue;
    }
    if (answer.Message !== '') messages[node] = answer.Message;
    for (const key of answer.Keys) keys[key] = (keys[key] ?? 0) + 1;
    if (answer.PrimaryKey !== '') primaryKeys[answer.PrimaryKey] = (primaryKeys[answer.PrimaryKey] ?? 0) + 1;
  }
  return {
    Messages: messages,
    Keys: keys,
    PrimaryKeys: primaryKeys,
    NumNodes: memberCount,
    NumResp: responses.size,
    NumErr: errors,
  };
}
