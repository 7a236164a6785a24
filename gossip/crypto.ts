// AES-GCM sealing of gossip packets and stream frames (reference §3.4): version byte 1, a 12-byte random
// nonce, the ciphertext and a 16-byte tag; the optional gossip label is authenticated as additional data.
// Opening tries every key of the keyring and reports why a packet was refused instead of throwing.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { assert } from '../lib/assert.js';

/** Version 1: no padding (memberlist's current format). Version 0 (PKCS#7 padded) is refused. */
export const encryptionVersion = 1;
export const nonceSizeBytes = 12;
export const tagSizeBytes = 16;
/** Bytes that sealing adds to a message: version + nonce + tag. */
export const encryptionOverheadBytes = 1 + nonceSizeBytes + tagSizeBytes;
/** A label longer than this is a configuration error (memberlist caps labels at 255 bytes). */
export const labelSizeBytesMax = 255;

export const validKeySizesBytes: readonly number[] = [16, 24, 32];

function cipherName(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 24) return 'aes-192-gcm';
  assert(key.length === 32, `gossip key must be 16, 24 or 32 bytes, got ${key.length}`);
  return 'aes-256-gcm';
}

/** Seals `plaintext` with `key`; `label` (may be empty) is authenticated but not sent. */
export function sealMessage(key: Uint8Array, plaintext: Uint8Array, label: Uint8Array = emptyLabel): Buffer {
  const nonce = randomBytes(nonceSizeBytes);
  const cipher = createCipheriv(cipherName(key), key, nonce, { authTagLength: tagSizeBytes });
  if (label.length > 0) cipher.setAAD(label);
  const head = Buffer.from([encryptionVersion]);
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, nonce, body, tail, cipher.getAuthTag()]);
}

export type OpenResult =
  | { readonly ok: true; readonly plaintext: Buffer; readonly keyPosition: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'unsupported-version' | 'no-key-matched' };

const emptyLabel = new Uint8Array(0);

/** Opens a sealed message with the first key that authenticates it; never throws on bad input. */
export function openMessage(
  keys: readonly Uint8Array[],
  sealed: Uint8Array,
  label: Uint8Array = emptyLabel,
): OpenResult {
  if (sealed.length < encryptionOverheadBytes) return { ok: false, reason: 'malformed' };
  if (sealed[0] !== encryptionVersion) return { ok: false, reason: 'unsupported-version' };
  const nonce = sealed.subarray(1, 1 + nonceSizeBytes);
  const ciphertext = sealed.subarray(1 + nonceSizeBytes, sealed.length - tagSizeBytes);
  const tag = sealed.subarray(sealed.length - tagSizeBytes);
  for (let position = 0; position < keys.length; position++) {
    const key = keys[position]!;
    try {
      const decipher = createDecipheriv(cipherName(key), key, nonce, { authTagLength: tagSizeBytes });
      if (label.length > 0) decipher.setAAD(label);
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      return { ok: true, plaintext, keyPosition: position };
    } catch {
      // Authentication failed with this key: try the next one. The caller counts the packet if none fits.
    }
  }
  return { ok: false, reason: 'no-key-matched' };
}
