// The memory of verified callers: an entry answers only under the credentials snapshot it was verified with and
// inside the validity window of its whole path, and the least recently stored entry goes past the capacity.

import assert from 'node:assert/strict';
import type { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CredentialsSnapshot } from './credentials.js';
import { VerifiedPeers } from './verified-peers.js';

const snapshot = (generation: number) => ({ generation }) as unknown as CredentialsSnapshot;
const certificate = (validFrom: string, validTo: string) => ({ validFrom, validTo }) as X509Certificate;
const web = { service: 'web', namespace: 'default', uri: 'spiffe://example.consul/ns/default/dc/dc1/svc/web' };
// A leaf valid for a day inside a root valid for a year; the window is the narrower of the two.
const path = [
  certificate('Jun  1 00:00:00 2026 GMT', 'Jun  2 00:00:00 2026 GMT'),
  certificate('Jan  1 00:00:00 2026 GMT', 'Jan  1 00:00:00 2027 GMT'),
];
const at = (iso: string) => Date.parse(iso);

describe('VerifiedPeers', () => {
  it('answers inside the validity window of every certificate on the path, and not outside it', () => {
    const peers = new VerifiedPeers(8);
    const current = snapshot(1);
    peers.set(current, 'AA', web, path);
    assert.deepEqual(peers.get(current, 'AA', at('2026-06-01T12:00:00Z')), {
      ...web,
      validFromMs: at('2026-06-01T00:00:00Z'),
      validToMs: at('2026-06-02T00:00:00Z'),
    });
    assert.equal(peers.get(current, 'AA', at('2026-05-31T23:59:59Z')), null);
    assert.equal(peers.get(current, 'AA', at('2026-06-02T00:00:01Z')), null);
    assert.equal(peers.get(current, 'BB', at('2026-06-01T12:00:00Z')), null);
  });

  it('forgets everything verified under an older credentials snapshot', () => {
    const peers = new VerifiedPeers(8);
    const older = snapshot(1);
    const newer = snapshot(2);
    peers.set(older, 'AA', web, path);
    assert.equal(peers.get(newer, 'AA', at('2026-06-01T12:00:00Z')), null);
    peers.set(newer, 'BB', web, path);
    assert.equal(peers.get(older, 'AA', at('2026-06-01T12:00:00Z')), null);
    assert.equal(peers.size, 1);
  });

  it('drops the least recently stored entry past its capacity', () => {
    const peers = new VerifiedPeers(2);
    const current = snapshot(1);
    const now = at('2026-06-01T12:00:00Z');
    peers.set(current, 'AA', web, path);
    peers.set(current, 'BB', web, path);
    peers.set(current, 'AA', web, path);
    peers.set(current, 'CC', web, path);
    assert.equal(peers.get(current, 'BB', now), null);
    assert.ok(peers.get(current, 'AA', now));
    assert.ok(peers.get(current, 'CC', now));
  });
});
