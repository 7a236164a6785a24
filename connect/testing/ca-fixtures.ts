// Shared test doubles for CA tests: a CA for a fixed cluster ID at a fixed time, and leaves issued from fresh CSRs.

import { type CaConfig, validateCaConfig } from '../ca/config.js';
import { generateCsr } from '../ca/csr.js';
import { type SignedLeaf, signLeaf } from '../ca/leaf.js';
import { type CaRoot, type CaSigner, generateRoot } from '../ca/root.js';
import { serviceSpiffeId } from '../spiffe.js';

export const CLUSTER_ID = '7f42f496-fbc7-8692-05ed-334aa5340c1e';
export const TRUST_DOMAIN = `${CLUSTER_ID}.consul`;
/** Every CA test runs at this instant, so validity windows are exact. */
export const NOW_MS = Date.parse('2026-06-01T12:00:00Z');
export const HOUR_MS = 3_600_000;

export interface TestCa {
  readonly signer: CaSigner;
  readonly root: CaRoot;
  readonly config: CaConfig;
}

export async function makeTestCa(
  init: Record<string, unknown> = {},
  clusterId = CLUSTER_ID,
  nowMs = NOW_MS,
  serialNumber = 1,
): Promise<TestCa> {
  const config = validateCaConfig(init);
  const { signer, root } = await generateRoot({ clusterId, config, nowMs, serialNumber });
  return { signer, root, config };
}

export async function issueServiceLeaf(
  signer: CaSigner,
  service: string,
  options: { nowMs?: number; leafCertTtlMs?: number; datacenter?: string } = {},
): Promise<SignedLeaf & { privateKeyPem: string }> {
  const datacenter = options.datacenter ?? 'dc1';
  const { csrPem, privateKeyPem } = await generateCsr({ id: serviceSpiffeId(signer.trustDomain, datacenter, service) });
  const leaf = await signLeaf(signer, csrPem, {
    nowMs: options.nowMs ?? NOW_MS,
    leafCertTtlMs: options.leafCertTtlMs ?? 72 * HOUR_MS,
    datacenter,
  });
  return { ...leaf, privateKeyPem };
}
