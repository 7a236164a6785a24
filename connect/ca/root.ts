// Root generation for the built-in provider, as Consul's provider_consul.go generateCA: a self-signed CA whose only
// SAN is `spiffe://<trust-domain>`, and the CARoot record `/v1/connect/ca/roots` serves for it.

import { createPrivateKey, type KeyObject, webcrypto } from 'node:crypto';
import { formatSpiffeId, signingSpiffeId, trustDomainForClusterId } from '../spiffe.js';
import type { CaConfig } from './config.js';
import { children, expectTag, readNode } from './der.js';
import {
  type CryptoKey,
  certificateFingerprint,
  colonHex,
  cryptoProvider,
  generateKeyPair,
  importPrivateKeyPem,
  integerSerialHex,
  keyIdOfPublicKey,
  type PrivateKeyType,
  plainHex,
  privateKeyToPem,
  signingAlgorithm,
} from './keys.js';
import * as x509 from './x509.js';

/** The CARoot JSON shape of `/v1/connect/ca/roots`; CreateIndex/ModifyIndex belong to the state store. */
export interface CaRoot {
  readonly ID: string;
  readonly Name: string;
  readonly SerialNumber: number;
  readonly SigningKeyID: string;
  readonly ExternalTrustDomain: string;
  readonly NotBefore: string;
  readonly NotAfter: string;
  readonly RootCert: string;
  readonly IntermediateCerts: readonly string[] | null;
  readonly Active: boolean;
  readonly PrivateKeyType: PrivateKeyType;
  readonly PrivateKeyBits: number;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
}

/** Everything a server needs to sign leaves with one CA key; the private key never leaves the servers. */
export interface CaSigner {
  readonly trustDomain: string;
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly privateKey: CryptoKey;
  readonly privateKeyPem: string;
  /** The same private key as a Node KeyObject: the leaf hot path signs synchronously with it. */
  readonly signingKey: KeyObject;
  /** The DER subject of the signing certificate, copied byte for byte into leaves as their issuer. */
  readonly subjectDer: Uint8Array;
  readonly publicKey: CryptoKey;
  /** Consul's KeyId of the signing key: SHA-256 of its SubjectPublicKeyInfo. */
  readonly keyId: Uint8Array;
  readonly keyType: PrivateKeyType;
  readonly keyBits: number;
  /** Appended to every leaf this signer issues (the cross-signed certificate during a rotation). */
  readonly intermediatePems: readonly string[];
}

export interface GenerateRootOptions {
  readonly clusterId: string;
  readonly config: CaConfig;
  readonly nowMs: number;
  /** Consul numbers roots from the provider's serial counter; the store passes the next value. */
  readonly serialNumber?: number;
  /** The 8-character compact ID in the CN; random when absent. */
  readonly uid?: string;
  /** A user-supplied key (`PrivateKey` in the CA config) instead of a fresh one. */
  readonly privateKeyPem?: string;
}

const providerName = 'consul';
const rootName = 'Consul CA Primary Cert';
const compactUidAlphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `pri-<uid>.consul.ca.<first 8 of cluster id>.consul` (connect.CACN for a primary datacenter). */
export function rootCommonName(uid: string, clusterId: string): string {
  return `pri-${uid}.${providerName}.ca.${clusterId.slice(0, 8)}.consul`;
}

/** Eight random base-36 characters, as Consul's CompactUID. */
export function compactUid(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => compactUidAlphabet[byte % compactUidAlphabet.length]).join('');
}

/** Generates a self-signed root (or wraps a supplied key in one) and returns its signer and CARoot record. */
export async function generateRoot(options: GenerateRootOptions): Promise<{ signer: CaSigner; root: CaRoot }> {
  const trustDomain = trustDomainForClusterId(options.clusterId);
  const keys = options.privateKeyPem
    ? await importPrivateKeyPem(options.privateKeyPem)
    : {
        ...(await generateKeyPair(options.config.privateKeyType, options.config.privateKeyBits)),
        type: options.config.privateKeyType,
        bits: options.config.privateKeyBits,
      };
  const keyId = await keyIdOfPublicKey(keys.publicKey);
  const keyIdHex = plainHex(keyId);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: integerSerialHex(options.serialNumber ?? 1),
      name: [{ CN: [rootCommonName(options.uid ?? compactUid(), trustDomain)] }],
      notBefore: new Date(options.nowMs),
      notAfter: new Date(options.nowMs + options.config.rootCertTtlMs),
      signingAlgorithm: signingAlgorithm(keys.type),
      keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        new x509.SubjectKeyIdentifierExtension(keyIdHex),
        new x509.AuthorityKeyIdentifierExtension(keyIdHex),
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: formatSpiffeId(signingSpiffeId(trustDomain)) },
        ]),
      ],
    },
    cryptoProvider,
  );
  const privateKeyPem = options.privateKeyPem ?? (await privateKeyToPem(keys.privateKey));
  const signer: CaSigner = {
    trustDomain,
    certificate,
    certificatePem: ensureTrailingNewline(certificate.toString('pem')),
    privateKey: keys.privateKey,
    privateKeyPem,
    signingKey: createPrivateKey(privateKeyPem),
    subjectDer: subjectOfCertificate(new Uint8Array(certificate.rawData)),
    publicKey: keys.publicKey,
    keyId,
    keyType: keys.type,
    keyBits: keys.bits,
    intermediatePems: [],
  };
  return { signer, root: caRootOf(signer, options.serialNumber ?? 1, true) };
}

/** The subject Name TLV of a DER certificate (TBSCertificate's sixth field). */
export function subjectOfCertificate(der: Uint8Array): Uint8Array {
  const certificate = expectTag(readNode(der), 0x30, 'a certificate');
  const tbs = expectTag(children(certificate)[0], 0x30, 'a TBSCertificate');
  const fields = children(tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  return expectTag(fields[offset + 4], 0x30, 'a subject Name').raw;
}

/** The CARoot record for a signer's certificate. */
export function caRootOf(signer: CaSigner, serialNumber: number, active: boolean): CaRoot {
  const trustDomain = signer.trustDomain;
  return {
    ID: certificateFingerprint(signer.certificate.rawData),
    Name: rootName,
    SerialNumber: serialNumber,
    SigningKeyID: colonHex(signer.keyId),
    ExternalTrustDomain: trustDomain.slice(0, -'.consul'.length),
    NotBefore: rfc3339(signer.certificate.notBefore),
    NotAfter: rfc3339(signer.certificate.notAfter),
    RootCert: signer.certificatePem,
    IntermediateCerts: signer.intermediatePems.length > 0 ? [...signer.intermediatePems] : null,
    Active: active,
    PrivateKeyType: signer.keyType,
    PrivateKeyBits: signer.keyBits,
  };
}

/** RFC 3339 in UTC without fractional seconds, as Go's time.Time marshals whole seconds. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function ensureTrailingNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
