// The built-in CA provider as the servers run it: signers rebuilt from stored root rows (certificate and signing
// key PEMs, cached by root ID), the first root for a new cluster, and a rotation to a new root key cross-signed by
// the old one (connect/ca does the crypto). Everything returns rows for one `ca-roots` Raft command.

import { createPrivateKey } from 'node:crypto';
import { importPrivateKeyPem, keyIdOfPublicKey } from '../../connect/ca/keys.js';
import { subjectOfCertificate } from '../../connect/ca/root.js';
import * as x509 from '../../connect/ca/x509.js';
import {
  type CaConfig,
  type CaRoot,
  type CaSigner,
  generateRoot,
  isRootPrunable,
  rotateRoot,
  trustDomainForClusterId,
} from '../../connect/index.js';
import type { CaSetRequest } from '../state/connect-ops.js';
import type { CaConfigRow, CaRootRow } from '../state/tables/connect.js';

export type NewRootRow = Omit<CaRootRow, 'CreateIndex' | 'ModifyIndex'>;

/** Rebuilds the signer of a stored root (its key and certificate, plus the intermediates leaves carry). */
export async function signerOfRow(row: CaRootRow | NewRootRow, trustDomain: string): Promise<CaSigner> {
  const keys = await importPrivateKeyPem(row.SigningKey);
  const certificate = new x509.X509Certificate(row.RootCert);
  return {
    trustDomain,
    certificate,
    certificatePem: row.RootCert,
    privateKey: keys.privateKey,
    privateKeyPem: row.SigningKey,
    signingKey: createPrivateKey(row.SigningKey),
    subjectDer: subjectOfCertificate(new Uint8Array(certificate.rawData)),
    publicKey: keys.publicKey,
    keyId: await keyIdOfPublicKey(keys.publicKey),
    keyType: keys.type,
    keyBits: keys.bits,
    intermediatePems: [...(row.IntermediateCerts ?? [])],
  };
}

/** Caches signers by root ID: rebuilding one costs key imports, and every leaf needs the active one. */
export class SignerCache {
  private readonly byRootId = new Map<string, Promise<CaSigner>>();

  get(row: CaRootRow, trustDomain: string): Promise<CaSigner> {
    let signer = this.byRootId.get(row.ID);
    if (signer === undefined) {
      // Two roots at most are live; anything older is dropped here.
      if (this.byRootId.size >= 4) this.byRootId.clear();
      signer = signerOfRow(row, trustDomain);
      this.byRootId.set(row.ID, signer);
      signer.catch(() => this.byRootId.delete(row.ID));
    }
    return signer;
  }
}

const rowOf = (root: CaRoot, signingKey: string): NewRootRow => {
  const { CreateIndex: _c, ModifyIndex: _m, ...fields } = root;
  return { ...fields, SigningKey: signingKey };
};

/** The CA config map as stored and served (Consul's Config keys). */
export function caConfigMap(config: CaConfig, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const hours = (ms: number): string => `${ms / 3_600_000}h`;
  const { PrivateKey: _key, RootCert: _cert, ...kept } = extra as Record<string, unknown>;
  return {
    ...kept,
    LeafCertTTL: hours(config.leafCertTtlMs),
    RootCertTTL: hours(config.rootCertTtlMs),
    IntermediateCertTTL: hours(config.intermediateCertTtlMs),
    PrivateKeyType: config.privateKeyType,
    PrivateKeyBits: config.privateKeyBits,
    CSRMaxPerSecond: config.csrMaxPerSecond,
    CSRMaxConcurrent: config.csrMaxConcurrent,
  };
}

/** The first root of a cluster: a fresh cluster ID's trust domain, a self-signed root, the config row. */
export async function initialCaRequest(
  clusterId: string,
  config: CaConfig,
  nowMs: number,
  privateKeyPem?: string,
): Promise<CaSetRequest> {
  const { signer, root } = await generateRoot({
    clusterId,
    config,
    nowMs,
    serialNumber: 1,
    ...(privateKeyPem ? { privateKeyPem } : {}),
  });
  return {
    Config: { ClusterID: clusterId, Provider: 'consul', Config: caConfigMap(config), ForceWithoutCrossSigning: false },
    Roots: [rowOf(root, signer.privateKeyPem)],
    CasIndex: 0,
  };
}

/**
 * A new root key (new type/size or a supplied PrivateKey): the old root cross-signs the new one, the new one
 * becomes active; roots rotated out more than 2 × LeafCertTTL ago are pruned.
 */
export async function rotationRequest(
  current: { readonly config: CaConfigRow; readonly roots: readonly CaRootRow[]; readonly rootsIndex: number },
  config: CaConfig,
  configMap: Record<string, unknown>,
  nowMs: number,
  privateKeyPem?: string,
): Promise<CaSetRequest> {
  const trustDomain = trustDomainForClusterId(current.config.ClusterID);
  const active = current.roots.find((root) => root.Active);
  if (!active) throw new Error('no active CA root to rotate from');
  const oldSigner = await signerOfRow(active, trustDomain);
  const serialNumber = Math.max(...current.roots.map((root) => root.SerialNumber)) + 1;
  const { signer: fresh } = await generateRoot({
    clusterId: current.config.ClusterID,
    config,
    nowMs,
    serialNumber,
    ...(privateKeyPem ? { privateKeyPem } : {}),
  });
  const rotation = await rotateRoot(current.roots, oldSigner, fresh, serialNumber, nowMs);
  const rows: NewRootRow[] = rotation.roots.map((root) => {
    const previous = current.roots.find((row) => row.ID === root.ID);
    if (!previous) return rowOf(root, rotation.signer.privateKeyPem);
    const rotatedOutAtMs = previous.Active ? rotation.rotatedOutAtMs : previous.RotatedOutAtMs;
    return {
      ...rowOf(root, previous.SigningKey),
      ...(rotatedOutAtMs === undefined ? {} : { RotatedOutAtMs: rotatedOutAtMs }),
    };
  });
  const kept = rows.filter((row) => !isRootPrunable(row, row.RotatedOutAtMs, config, nowMs));
  return {
    Config: { ...current.config, Config: configMap },
    Roots: kept,
    CasIndex: current.rootsIndex,
  };
}
