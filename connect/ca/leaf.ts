// Leaf signing on the servers (Consul's ConsulProvider.Sign plus the checks of the leader's SignCertificate): verify
// the CSR's own signature, require one URI SAN naming a service or agent of this trust domain (and datacenter), and
// issue a short-lived leaf for exactly that identity. This is the CA's hot path (every leaf, every rotation), so the
// CSR is read and the certificate written with the small DER helpers in der.ts and signed synchronously by Node;
// @peculiar/x509 took ~5.5 ms per leaf here, this path a fraction of that (bench/ca.ts).

import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { assert } from '../../lib/assert.js';
import { CsrRejectedError, MalformedCertificateError } from '../errors.js';
import { formatSpiffeId, parseSpiffeId, type SpiffeId } from '../spiffe.js';
import {
  bitString,
  booleanTrue,
  children,
  type DerNode,
  expectTag,
  fromPem,
  octetString,
  oid,
  oidText,
  readNode,
  sequence,
  time,
  tlv,
  toPem,
  unsignedInteger,
} from './der.js';
import { colonHex, keyIdOfSpki, randomSerialHex } from './keys.js';
import { type CaSigner, rfc3339 } from './root.js';

/** A CSR from the network is small: RSA-4096 with a few SANs fits in 4 KiB of PEM; beyond this it is refused. */
export const CSR_PEM_BYTES_MAX = 16 * 1024;
/** DNS and IP SANs per leaf (agents and gateways ask for a handful). */
export const LEAF_SAN_COUNT_MAX = 64;
/** NotBefore is backdated this much so peers with slightly slow clocks accept a fresh leaf (Consul: 1 minute). */
export const LEAF_BACKDATE_MS = 60_000;

const oids = {
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
};
/** CSR signature algorithms accepted, and the hash each one names. */
const csrSignatureHashes: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

export interface SignLeafOptions {
  readonly nowMs: number;
  readonly leafCertTtlMs: number;
  /** When set, a service or agent ID from another datacenter is refused, as Consul's leader does. */
  readonly datacenter?: string;
  /** Hex serial; random 128 bits when absent. */
  readonly serialHex?: string;
}

/** The agent-facing result; `certPem` already carries the signer's intermediates after the leaf. */
export interface SignedLeaf {
  readonly certPem: string;
  readonly leafPem: string;
  /** Colon-hex, as the leaf endpoint's `SerialNumber`. */
  readonly serialNumber: string;
  readonly spiffeId: SpiffeId;
  readonly uri: string;
  readonly validAfter: string;
  readonly validBefore: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

type OtherName = { readonly type: 'dns' | 'ip'; readonly raw: Uint8Array };

export interface CsrContents {
  readonly subjectDer: Uint8Array;
  readonly spkiDer: Uint8Array;
  readonly publicKey: KeyObject;
  readonly spiffeId: SpiffeId;
  readonly uri: string;
  /** DNS and IP SANs, kept as their DER GeneralName TLVs. */
  readonly otherNames: readonly OtherName[];
}

/** Parses and checks a PEM CSR; throws CsrRejectedError with the reason. */
export function readCsr(csrPem: string, trustDomain: string, datacenter?: string): CsrContents {
  if (typeof csrPem !== 'string' || csrPem.length === 0) throw new CsrRejectedError('CSR is empty');
  if (csrPem.length > CSR_PEM_BYTES_MAX) throw new CsrRejectedError(`CSR is larger than ${CSR_PEM_BYTES_MAX} bytes`);
  let parsed: ReturnType<typeof parseCsrDer>;
  try {
    parsed = parseCsrDer(fromPem('CERTIFICATE REQUEST', csrPem));
  } catch (error) {
    if (error instanceof CsrRejectedError) throw error;
    throw new CsrRejectedError('CSR does not parse', { cause: error });
  }
  const uris = parsed.names.filter((name) => name.tag === 0x86);
  if (uris.length !== 1) throw new CsrRejectedError(`CSR must have exactly one URI SAN, has ${uris.length}`);
  const others = parsed.names.filter((name) => name.tag !== 0x86);
  if (others.length > LEAF_SAN_COUNT_MAX) throw new CsrRejectedError('CSR has too many SANs');
  const otherNames = others.map((name): OtherName => {
    if (name.tag === 0x82) return { type: 'dns', raw: name.raw };
    if (name.tag === 0x87 && (name.content.length === 4 || name.content.length === 16))
      return { type: 'ip', raw: name.raw };
    throw new CsrRejectedError('CSR has an unsupported SAN type');
  });
  const uriText = Buffer.from(uris[0]!.content).toString('latin1');
  let spiffeId: SpiffeId;
  try {
    spiffeId = parseSpiffeId(uriText);
  } catch (error) {
    throw new CsrRejectedError('CSR URI SAN is not a SPIFFE ID', { cause: error });
  }
  if (spiffeId.kind !== 'service' && spiffeId.kind !== 'agent') {
    throw new CsrRejectedError(`CSR SPIFFE ID must name a service or an agent, not a ${spiffeId.kind}`);
  }
  if (spiffeId.trustDomain !== trustDomain)
    throw new CsrRejectedError('SPIFFE ID in CSR from a different trust domain');
  if (datacenter !== undefined && spiffeId.datacenter !== datacenter) {
    throw new CsrRejectedError('SPIFFE ID in CSR from a different datacenter');
  }
  return {
    subjectDer: parsed.subject.raw,
    spkiDer: parsed.spki.raw,
    publicKey: parsed.publicKey,
    spiffeId,
    uri: formatSpiffeId(spiffeId),
    otherNames,
  };
}

/** PKCS#10 (RFC 2986): structure, signature over CertificationRequestInfo, and the SAN extension's names. */
function parseCsrDer(der: Uint8Array) {
  const request = expectTag(readNode(der), 0x30, 'a CertificationRequest');
  if (request.raw.length !== der.length) throw new MalformedCertificateError('trailing bytes after the CSR');
  const [info, algorithm, signature] = children(request);
  expectTag(info, 0x30, 'CertificationRequestInfo');
  expectTag(algorithm, 0x30, 'a signature algorithm');
  expectTag(signature, 0x03, 'a signature BIT STRING');
  const [version, subject, spki, attributes] = children(info!);
  expectTag(version, 0x02, 'a version');
  expectTag(subject, 0x30, 'a subject Name');
  expectTag(spki, 0x30, 'a SubjectPublicKeyInfo');
  const hash = csrSignatureHashes[oidText(expectTag(children(algorithm!)[0], 0x06, 'an algorithm OID').content)];
  if (!hash) throw new CsrRejectedError('CSR signature algorithm is not ECDSA or RSA PKCS#1 v1.5 with SHA-2');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki!.raw), format: 'der', type: 'spki' });
  } catch (error) {
    throw new CsrRejectedError('CSR public key does not parse', { cause: error });
  }
  const signatureBytes = signature!.content;
  if (signatureBytes[0] !== 0) throw new MalformedCertificateError('signature BIT STRING has unused bits');
  let valid = false;
  try {
    valid = verify(hash, info!.raw, publicKey, signatureBytes.subarray(1));
  } catch (error) {
    throw new CsrRejectedError('CSR signature cannot be checked', { cause: error });
  }
  if (!valid) throw new CsrRejectedError('CSR signature is invalid');
  return { subject: subject!, spki: spki!, publicKey, names: attributes ? sanNames(attributes) : [] };
}

function sanNames(attributes: DerNode): DerNode[] {
  expectTag(attributes, 0xa0, 'CSR attributes');
  const sans: DerNode[] = [];
  for (const attribute of children(attributes)) {
    const [type, values] = children(expectTag(attribute, 0x30, 'an attribute'));
    if (oidText(expectTag(type, 0x06, 'an attribute OID').content) !== oids.extensionRequest) continue;
    for (const extensions of children(expectTag(values, 0x31, 'attribute values'))) {
      for (const extension of children(expectTag(extensions, 0x30, 'extensions'))) {
        const parts = children(expectTag(extension, 0x30, 'an extension'));
        if (oidText(expectTag(parts[0], 0x06, 'an extension OID').content) !== oids.subjectAltName) continue;
        sans.push(expectTag(parts.at(-1), 0x04, 'an extension value'));
      }
    }
  }
  if (sans.length > 1) throw new CsrRejectedError('CSR has more than one SAN extension');
  if (sans.length === 0) return [];
  return children(expectTag(readNode(sans[0]!.content), 0x30, 'GeneralNames'));
}

/** Signs a checked CSR with the active signer. */
export async function signLeaf(signer: CaSigner, csrPem: string, options: SignLeafOptions): Promise<SignedLeaf> {
  return signLeafSync(signer, csrPem, options);
}

/** The synchronous core of signLeaf: ~0.3 ms for EC P-256, so it blocks the event loop only briefly. */
export function signLeafSync(signer: CaSigner, csrPem: string, options: SignLeafOptions): SignedLeaf {
  assert(options.leafCertTtlMs > 0, `leafCertTtlMs must be positive, got ${options.leafCertTtlMs}`);
  assert(Number.isFinite(options.nowMs), 'nowMs must be a finite time');
  const csr = readCsr(csrPem, signer.trustDomain, options.datacenter);
  const notBeforeMs = Math.floor((options.nowMs - LEAF_BACKDATE_MS) / 1000) * 1000;
  const notAfterMs = notBeforeMs + options.leafCertTtlMs;
  const serial = Buffer.from(options.serialHex ?? randomSerialHex(), 'hex');
  const signatureAlgorithm =
    signer.keyType === 'ec' ? sequence(oid(oids.ecdsaWithSha256)) : sequence(oid(oids.sha256WithRsa), tlv(0x05));
  const subjectIsEmpty = csr.subjectDer.length === 2;
  const san = sequence(tlv(0x86, Buffer.from(csr.uri, 'latin1')), ...csr.otherNames.map((name) => name.raw));
  const extensions = [
    // Basic constraints, critical, CA false (the DEFAULT, so an empty SEQUENCE).
    sequence(oid(oids.basicConstraints), booleanTrue, octetString(sequence())),
    // Key usage, critical: digitalSignature, keyEncipherment, dataEncipherment, keyAgreement (bits 0, 2, 3, 4).
    sequence(oid(oids.keyUsage), booleanTrue, octetString(bitString(Uint8Array.of(0xb8), 3))),
    sequence(oid(oids.extKeyUsage), octetString(sequence(oid(oids.serverAuth), oid(oids.clientAuth)))),
    sequence(oid(oids.subjectKeyId), octetString(octetString(keyIdOfSpki(csr.spkiDer)))),
    sequence(oid(oids.authorityKeyId), octetString(sequence(tlv(0x80, signer.keyId)))),
    // RFC 5280 §4.2.1.6: with an empty subject the SAN carries the identity and must be critical.
    subjectIsEmpty
      ? sequence(oid(oids.subjectAltName), booleanTrue, octetString(san))
      : sequence(oid(oids.subjectAltName), octetString(san)),
  ];
  const tbs = sequence(
    tlv(0xa0, unsignedInteger(Uint8Array.of(2))),
    unsignedInteger(serial),
    signatureAlgorithm,
    signer.subjectDer,
    sequence(time(notBeforeMs), time(notAfterMs)),
    csr.subjectDer,
    csr.spkiDer,
    tlv(0xa3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, signer.signingKey);
  const leafPem = toPem('CERTIFICATE', sequence(tbs, signatureAlgorithm, bitString(signature)));
  const certPem = leafPem + signer.intermediatePems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
  return {
    certPem,
    leafPem,
    serialNumber: colonHex(serial),
    spiffeId: csr.spiffeId,
    uri: csr.uri,
    validAfter: rfc3339(new Date(notBeforeMs)),
    validBefore: rfc3339(new Date(notAfterMs)),
    notBeforeMs,
    notAfterMs,
  };
}
