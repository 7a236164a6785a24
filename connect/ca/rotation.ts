// Root rotation with cross-signing, as Consul's built-in provider (CrossSignCA) and leader (roots update): the old
// root signs the new root's key and subject, so peers that still trust only the old root accept leaves from the new
// one while the new root propagates; the old root stays listed until it has been inactive for 2 × LeafCertTTL.

import type { CaConfig } from './config.js';
import { cryptoProvider, plainHex, randomSerialHex, signingAlgorithm } from './keys.js';
import { type CaRoot, type CaSigner, caRootOf, ensureTrailingNewline } from './root.js';
import * as x509 from './x509.js';

/** Consul: the cross-signed certificate is only needed while old leaves live (72h by default), so 7 days. */
export const CROSS_SIGNED_TTL_MS = 7 * 24 * 3_600_000;
/** Backdated like leaves, so servers with slightly slow clocks accept it at once. */
export const CROSS_SIGNED_BACKDATE_MS = 60_000;

const akiOid = '2.5.29.35';

/** The new root's certificate re-issued by the old root: same subject, key, SKI and extensions, old AKI. */
export async function crossSignRoot(oldSigner: CaSigner, newSigner: CaSigner, nowMs: number): Promise<string> {
  const template = newSigner.certificate;
  const notBeforeMs = nowMs - CROSS_SIGNED_BACKDATE_MS;
  const extensions = template.extensions.filter((extension) => extension.type !== akiOid);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject: template.subjectName,
      issuer: oldSigner.certificate.subjectName,
      notBefore: new Date(notBeforeMs),
      notAfter: new Date(Math.min(notBeforeMs + CROSS_SIGNED_TTL_MS, template.notAfter.getTime())),
      // Consul signs with the old root's algorithm, so a change of key type still verifies at old peers.
      signingAlgorithm: signingAlgorithm(oldSigner.keyType),
      publicKey: template.publicKey,
      signingKey: oldSigner.privateKey,
      extensions: [...extensions, new x509.AuthorityKeyIdentifierExtension(plainHex(oldSigner.keyId))],
    },
    cryptoProvider,
  );
  return ensureTrailingNewline(certificate.toString('pem'));
}

export interface RotationResult {
  /** The new active signer; it appends the cross-signed certificate to every leaf it issues. */
  readonly signer: CaSigner;
  /** All roots after the change: earlier ones kept and inactive, the new one last and active. */
  readonly roots: readonly CaRoot[];
  readonly crossSignedPem: string;
  /** When the old root went inactive; pruneRotatedRoots uses it. */
  readonly rotatedOutAtMs: number;
}

/**
 * Activates newSigner: cross-signs it with oldSigner, ships the cross-signed certificate in the new root's
 * IntermediateCerts, and marks every other root inactive.
 */
export async function rotateRoot(
  roots: readonly CaRoot[],
  oldSigner: CaSigner,
  newSigner: CaSigner,
  newSerialNumber: number,
  nowMs: number,
): Promise<RotationResult> {
  const crossSignedPem = await crossSignRoot(oldSigner, newSigner, nowMs);
  const signer: CaSigner = { ...newSigner, intermediatePems: [...newSigner.intermediatePems, crossSignedPem] };
  const newRoot = caRootOf(signer, newSerialNumber, true);
  const kept = roots.filter((root) => root.ID !== newRoot.ID).map((root) => ({ ...root, Active: false }));
  return { signer, roots: [...kept, newRoot], crossSignedPem, rotatedOutAtMs: nowMs };
}

/** Consul prunes an inactive root once it has been rotated out for more than 2 × LeafCertTTL. */
export function isRootPrunable(
  root: CaRoot,
  rotatedOutAtMs: number | undefined,
  config: Pick<CaConfig, 'leafCertTtlMs'>,
  nowMs: number,
): boolean {
  if (root.Active || rotatedOutAtMs === undefined) return false;
  return nowMs - rotatedOutAtMs > 2 * config.leafCertTtlMs;
}
