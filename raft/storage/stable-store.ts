// The StableStore interface: Raft's durable hard state (term, vote, commit) and a few small named values (such as
// the last known peer addresses), each written synced and checksummed.

import { ValidationError } from '../../lib/errors.js';
import type { HardState } from '../core/types.js';

export interface StableStore {
  /** The last hard state written, or the zero state for a fresh store. */
  getHardState(): Promise<HardState>;
  /** Writes the hard state; durable when it resolves unless `sync` is false (commit-only changes). */
  setHardState(state: HardState, options?: { readonly sync?: boolean }): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  set(key: string, value: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export const zeroHardState: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

export const stableKeySizeBytesMax = 256;

export function checkStableKey(key: string): void {
  if (key.length === 0 || key.length > stableKeySizeBytesMax || key.startsWith('\0')) {
    throw new ValidationError(`stable-store key must be 1..${stableKeySizeBytesMax} characters, not starting with NUL`);
  }
}

export function encodeHardState(state: HardState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ term: state.term, vote: state.vote, commit: state.commit }));
}

/** Decodes a hard state; null when the bytes do not hold one. */
export function decodeHardState(bytes: Uint8Array): HardState | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const { term, vote, commit } = value;
    if (!Number.isSafeInteger(term) || !Number.isSafeInteger(commit)) return null;
    if (vote !== null && typeof vote !== 'string') return null;
    return { term: term as number, vote, commit: commit as number };
  } catch {
    return null;
  }
}
