// Callers whose certificate chain was verified under the current credentials, by leaf fingerprint, so that a caller
// who connects again is not verified again: parsing its chain and checking signatures in JS was a third of the
// inbound proxy's CPU per new connection. An entry holds only while the credentials snapshot it was verified under
// is current (a leaf or roots change starts over) and only inside the validity window of every certificate on its
// path; the TLS handshake has already proved the caller holds the leaf's key. Bounded: the least recently stored
// entry is dropped past the capacity.

import type { X509Certificate } from 'node:crypto';
import type { CredentialsSnapshot } from './credentials.js';

export interface PeerIdentity {
  readonly service: string;
  readonly namespace: string;
  readonly uri: string;
}

interface Entry extends PeerIdentity {
  readonly validFromMs: number;
  readonly validToMs: number;
}

export class VerifiedPeers {
  private readonly entries = new Map<string, Entry>();
  private snapshot: CredentialsSnapshot | null = null;

  constructor(private readonly capacity: number) {}

  /** The identity verified for this leaf under `snapshot`, if it is still valid at `nowMs`. */
  get(snapshot: CredentialsSnapshot, fingerprint: string, nowMs: number): PeerIdentity | null {
    if (snapshot !== this.snapshot) return null;
    const entry = this.entries.get(fingerprint);
    if (!entry) return null;
    if (nowMs < entry.validFromMs || nowMs > entry.validToMs) {
      this.entries.delete(fingerprint);
      return null;
    }
    return entry;
  }

  /** Records a chain that passed verifyPeerChain under `snapshot` (its `path`); an older snapshot's entries go. */
  set(
    snapshot: CredentialsSnapshot,
    fingerprint: string,
    identity: PeerIdentity,
    path: readonly X509Certificate[],
  ): void {
    if (snapshot !== this.snapshot) {
      this.entries.clear();
      this.snapshot = snapshot;
    }
    let validFromMs = Number.NEGATIVE_INFINITY;
    let validToMs = Number.POSITIVE_INFINITY;
    for (const certificate of path) {
      validFromMs = Math.max(validFromMs, Date.parse(certificate.validFrom));
      validToMs = Math.min(validToMs, Date.parse(certificate.validTo));
    }
    // A date that does not parse would have failed verification; NaN here would never match, which is safe.
    this.entries.delete(fingerprint);
    this.entries.set(fingerprint, { ...identity, validFromMs, validToMs });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
