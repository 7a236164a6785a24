// The gossip keyring (reference §3.4): one primary key that seals outgoing messages and any number of
// secondary keys that are tried when opening. Rotation is install → use → remove; the primary can never be
// removed, so a node always has a key to speak with. Keys travel as base64 text, as `consul keygen` prints them.

import { ValidationError } from '../lib/errors.js';
import { validKeySizesBytes } from './crypto.js';

/** Refusal of a keyring operation: a bad key, removing the primary, using a key that is not installed. */
export class KeyringError extends ValidationError {
  override readonly name: string = 'KeyringError';
}

/** At most this many keys are held; rotation needs two, so 32 leaves room for mistakes without growing forever. */
export const keyringKeyCountMax = 32;

/** Decodes and checks one base64 key; the message says what is wrong in the operator's terms. */
export function decodeKey(keyBase64: string): Buffer {
  if (typeof keyBase64 !== 'string' || keyBase64.trim() === '') {
    throw new KeyringError('gossip key is empty: expect a base64 key of 16, 24 or 32 bytes (see `lattice keygen`)');
  }
  const text = keyBase64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new KeyringError('gossip key is not valid base64 (see `lattice keygen`)');
  }
  const key = Buffer.from(text, 'base64');
  if (!validKeySizesBytes.includes(key.length)) {
    throw new KeyringError(
      `gossip key is ${key.length} bytes; it must be 16, 24 or 32 bytes (AES-128/192/256), base64-encoded`,
    );
  }
  return key;
}

export function encodeKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

export class Keyring {
  /** Base64 keys, primary first. */
  private keysBase64: string[];
  private decoded: Buffer[];

  /** `keysBase64[0]` becomes the primary; duplicates are folded. Throws KeyringError on any bad key. */
  constructor(keysBase64: readonly string[]) {
    if (keysBase64.length === 0) throw new KeyringError('a keyring needs at least one key');
    const problems: string[] = [];
    const unique: string[] = [];
    for (const text of keysBase64) {
      try {
        const canonical = encodeKey(decodeKey(text));
        if (!unique.includes(canonical)) unique.push(canonical);
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (problems.length > 0) throw new KeyringError(`invalid keyring: ${problems.join('; ')}`);
    if (unique.length > keyringKeyCountMax) {
      throw new KeyringError(`a keyring holds at most ${keyringKeyCountMax} keys, got ${unique.length}`);
    }
    this.keysBase64 = unique;
    this.decoded = unique.map((text) => Buffer.from(text, 'base64'));
  }

  /** The key that seals outgoing messages. */
  primaryKey(): Buffer {
    return this.decoded[0]!;
  }

  /** Every key, primary first (the order in which opening tries them). */
  keys(): readonly Buffer[] {
    return this.decoded;
  }

  /** Base64 keys, primary first (the order of the keyring file). */
  list(): string[] {
    return [...this.keysBase64];
  }

  primaryKeyBase64(): string {
    return this.keysBase64[0]!;
  }

  has(keyBase64: string): boolean {
    return this.keysBase64.includes(encodeKey(decodeKey(keyBase64)));
  }

  /** Adds a secondary key; installing a key already present is a no-op. Returns whether anything changed. */
  install(keyBase64: string): boolean {
    const canonical = encodeKey(decodeKey(keyBase64));
    if (this.keysBase64.includes(canonical)) return false;
    if (this.keysBase64.length >= keyringKeyCountMax) {
      throw new KeyringError(`keyring is full (${keyringKeyCountMax} keys): remove an old key first`);
    }
    this.keysBase64.push(canonical);
    this.decoded.push(Buffer.from(canonical, 'base64'));
    return true;
  }

  /** Makes an installed key the primary. Returns whether anything changed. */
  use(keyBase64: string): boolean {
    const canonical = encodeKey(decodeKey(keyBase64));
    const position = this.keysBase64.indexOf(canonical);
    if (position < 0) throw new KeyringError('requested key is not in the keyring: install it first');
    if (position === 0) return false;
    this.keysBase64.splice(position, 1);
    this.keysBase64.unshift(canonical);
    this.decoded = this.keysBase64.map((text) => Buffer.from(text, 'base64'));
    return true;
  }

  /** Removes a secondary key; removing an absent key is a no-op, removing the primary is refused. */
  remove(keyBase64: string): boolean {
    const canonical = encodeKey(decodeKey(keyBase64));
    const position = this.keysBase64.indexOf(canonical);
    if (position === 0) {
      throw new KeyringError('removing the primary key is not allowed: make another key primary (use) first');
    }
    if (position < 0) return false;
    this.keysBase64.splice(position, 1);
    this.decoded.splice(position, 1);
    return true;
  }
}
