// The receive-and-send policy for gossip encryption: seal with the primary key, open with any key, honour
// `encrypt_verify_incoming` / `encrypt_verify_outgoing` for rolling enablement, and count every refused
// message instead of throwing, so bad packets never reach the core and never crash the agent.

import { ValidationError } from '../lib/errors.js';
import { labelSizeBytesMax, openMessage, sealMessage } from './crypto.js';
import type { Keyring } from './keyring.js';

/** What was refused and why; read by metrics and the integration tests. */
export interface SecurityCounters {
  /** Sealed with a key this node does not hold (or tampered with). */
  decryptFailed: number;
  /** Shorter than the encryption overhead or otherwise unreadable. */
  malformed: number;
  /** Over the size limit of its channel. */
  tooLarge: number;
  /** Not sealed in a format this node speaks (plain text, or another encryption version) while `verifyIncoming` is on. */
  plaintextRefused: number;
  /** Plain text accepted because `verifyIncoming` is off and opening failed. */
  plaintextAccepted: number;
  sealed: number;
  opened: number;
}

export function newSecurityCounters(): SecurityCounters {
  return {
    decryptFailed: 0,
    malformed: 0,
    tooLarge: 0,
    plaintextRefused: 0,
    plaintextAccepted: 0,
    sealed: 0,
    opened: 0,
  };
}

export interface GossipSecurityConfig {
  /** null: encryption off, every message travels and is accepted in plain text. */
  readonly keyring: Keyring | null;
  /** Refuse messages that are not sealed with a known key (default true). */
  readonly verifyIncoming: boolean;
  /** Seal outgoing messages (default true). */
  readonly verifyOutgoing: boolean;
  /** Gossip label authenticated as additional data; pools with different labels cannot talk. */
  readonly label: string;
}

export function validateGossipSecurity(init: Partial<GossipSecurityConfig>): GossipSecurityConfig {
  const label = init.label ?? '';
  if (Buffer.byteLength(label) > labelSizeBytesMax) {
    throw new ValidationError(`gossip label must be at most ${labelSizeBytesMax} bytes`);
  }
  return Object.freeze({
    keyring: init.keyring ?? null,
    verifyIncoming: init.verifyIncoming ?? true,
    verifyOutgoing: init.verifyOutgoing ?? true,
    label,
  });
}

export type OpenOutcome =
  | { readonly ok: true; readonly plaintext: Buffer }
  | { readonly ok: false; readonly reason: keyof SecurityCounters };

export class GossipSecurity {
  readonly counters: SecurityCounters = newSecurityCounters();
  private readonly labelBytes: Buffer;

  constructor(readonly config: GossipSecurityConfig) {
    this.labelBytes = Buffer.from(config.label);
  }

  get keyring(): Keyring | null {
    return this.config.keyring;
  }

  isEnabled(): boolean {
    return this.config.keyring !== null;
  }

  /** What goes on the wire for `plaintext`. */
  seal(plaintext: Uint8Array): Uint8Array {
    const keyring = this.config.keyring;
    if (keyring === null || !this.config.verifyOutgoing) return plaintext;
    this.counters.sealed++;
    return sealMessage(keyring.primaryKey(), plaintext, this.labelBytes);
  }

  /** The plaintext of a received message, or the reason it was refused (already counted). */
  open(received: Uint8Array, sizeBytesMax: number): OpenOutcome {
    if (received.length > sizeBytesMax) return this.refuse('tooLarge');
    const keyring = this.config.keyring;
    if (keyring === null)
      return { ok: true, plaintext: Buffer.from(received.buffer, received.byteOffset, received.length) };
    const result = openMessage(keyring.keys(), received, this.labelBytes);
    if (result.ok) {
      this.counters.opened++;
      return { ok: true, plaintext: result.plaintext };
    }
    if (!this.config.verifyIncoming) {
      // Rolling enablement: peers that do not encrypt yet are still heard.
      this.counters.plaintextAccepted++;
      return { ok: true, plaintext: Buffer.from(received.buffer, received.byteOffset, received.length) };
    }
    if (result.reason === 'malformed') return this.refuse('malformed');
    if (result.reason === 'unsupported-version') return this.refuse('plaintextRefused');
    return this.refuse('decryptFailed');
  }

  private refuse(reason: keyof SecurityCounters): OpenOutcome {
    this.counters[reason]++;
    return { ok: false, reason };
  }
}
