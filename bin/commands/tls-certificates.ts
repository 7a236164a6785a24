// The certificates `lattice tls` writes, as Consul's tlsutil (GenerateCA, GenerateCert) makes them for agent TLS
// (not Connect): EC P-256 keys stored as SEC1 `EC PRIVATE KEY`, ECDSA-SHA256 signatures, 128-bit random serials.
// The CA: "Consul Agent CA <serial>" with HashiCorp's address fields, CA:true, keyCertSign|cRLSign|digitalSignature,
// SKI = AKI = SHA-256 of its public key, optional critical DNS name constraints. A certificate: CN = its name,
// CA:false, digitalSignature|keyEncipherment, the extended key usages of its kind, the CA's key ID as AKI (Go's
// x509.CreateCertificate copies the parent's SubjectKeyId), DNS and IP SANs. This module loads @peculiar/x509, so
// only the tls command imports it, and only when it runs.

import { sequence, tlv } from '../../connect/ca/der.js';
import {
  type CryptoKey,
  cryptoProvider,
  generateKeyPair,
  importPrivateKeyPem,
  keyIdOfPublicKey,
  plainHex,
  privateKeyToPem,
  randomSerialHex,
  signingAlgorithm,
} from '../../connect/ca/keys.js';
import * as x509 from '../../connect/ca/x509.js';
import { LatticeError } from '../../lib/errors.js';

export interface GeneratedPem {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface AgentCaOptions {
  readonly days: number;
  /** DNS domains the CA may sign for (Consul's -name-constraint); empty for none. */
  readonly permittedDnsDomains: readonly string[];
  readonly nowMs?: number;
}

function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** Go's time.Now().AddDate(0, 0, days): the same wall-clock time `days` calendar days later. */
function addDays(nowMs: number, days: number): Date {
  const date = new Date(nowMs);
  date.setUTCDate(date.getUTCDate() + days);
  return date;
}

/** The serial as a decimal integer, as Go's %d prints a *big.Int (the CA's common name carries it). */
function decimalSerial(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}

const streetAddressOid = '2.5.4.9';
const postalCodeOid = '2.5.4.17';
const nameConstraintsOid = '2.5.29.30';

/**
 * A critical NameConstraints extension permitting these DNS domains (Go's PermittedDNSDomainsCritical): @peculiar/x509
 * has no class for it, so its DER is built here: SEQUENCE { [0] { GeneralSubtree { [2] dNSName } ... } }.
 */
function nameConstraints(domains: readonly string[]): x509.Extension {
  const subtrees = domains.map((domain) => sequence(tlv(0x82, new TextEncoder().encode(domain))));
  return new x509.Extension(nameConstraintsOid, true, sequence(tlv(0xa0, ...subtrees)));
}

export async function generateAgentCa(options: AgentCaOptions): Promise<GeneratedPem> {
  const nowMs = options.nowMs ?? Date.now();
  const keys = await generateKeyPair('ec', 256);
  const keyIdHex = plainHex(await keyIdOfPublicKey(keys.publicKey));
  const serial = randomSerialHex();
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
      true,
    ),
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.SubjectKeyIdentifierExtension(keyIdHex),
    new x509.AuthorityKeyIdentifierExtension(keyIdHex),
  ];
  if (options.permittedDnsDomains.length > 0) {
    extensions.push(nameConstraints(options.permittedDnsDomains));
  }
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial,
      name: [
        { C: ['US'] },
        { ST: ['CA'] },
        { L: ['San Francisco'] },
        { [streetAddressOid]: ['101 Second Street'] },
        { [postalCodeOid]: ['94105'] },
        { O: ['HashiCorp Inc.'] },
        { CN: [`Consul Agent CA ${decimalSerial(serial)}`] },
      ],
      notBefore: new Date(nowMs),
      notAfter: addDays(nowMs, options.days),
      signingAlgorithm: signingAlgorithm('ec'),
      keys,
      extensions,
    },
    cryptoProvider,
  );
  return {
    certificatePem: withNewline(certificate.toString('pem')),
    privateKeyPem: await privateKeyToPem(keys.privateKey),
  };
}

export type CertificateKind = 'server' | 'client' | 'cli';

export interface AgentCertificateOptions {
  readonly kind: CertificateKind;
  readonly caPem: string;
  readonly caKeyPem: string;
  /** The common name, which is also a DNS SAN: server.<dc>.<domain>, client.<dc>.<domain> or cli.<dc>.<domain>. */
  readonly name: string;
  readonly days: number;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly nowMs?: number;
}

const serverAuth = '1.3.6.1.5.5.7.3.1';
const clientAuth = '1.3.6.1.5.5.7.3.2';
/** Consul's order: server certificates list serverAuth first, client certificates clientAuth; cli ones none. */
const extendedKeyUsages: Readonly<Record<CertificateKind, readonly string[]>> = {
  server: [serverAuth, clientAuth],
  client: [clientAuth, serverAuth],
  cli: [],
};

function parseCa(caPem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(caPem);
  } catch (error) {
    throw new LatticeError('ERR_USAGE', `failed to parse CA: ${(error as Error).message}`, { cause: error });
  }
}

async function importCaKey(caKeyPem: string): Promise<{ privateKey: CryptoKey }> {
  // Consul's ParseSigner takes the first PEM block and accepts only an EC PRIVATE KEY.
  const label = /-----BEGIN ([A-Z ]+)-----/.exec(caKeyPem)?.[1];
  if (label === undefined) throw new LatticeError('ERR_USAGE', 'no PEM-encoded data found');
  if (label !== 'EC PRIVATE KEY') {
    throw new LatticeError('ERR_USAGE', `unknown PEM block type for signing key: ${label}`);
  }
  return importPrivateKeyPem(caKeyPem);
}

export async function generateAgentCertificate(options: AgentCertificateOptions): Promise<GeneratedPem> {
  const nowMs = options.nowMs ?? Date.now();
  const ca = parseCa(options.caPem);
  const caKey = await importCaKey(options.caKeyPem);
  const keys = await generateKeyPair('ec', 256);
  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
  ];
  const usages = extendedKeyUsages[options.kind];
  if (usages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension([...usages]));
  extensions.push(
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.SubjectKeyIdentifierExtension(plainHex(await keyIdOfPublicKey(keys.publicKey))),
  );
  if (caKeyId !== undefined) extensions.push(new x509.AuthorityKeyIdentifierExtension(caKeyId));
  const alternativeNames: x509.JsonGeneralName[] = [
    ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...options.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  if (alternativeNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(alternativeNames));
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject: [{ CN: [options.name] }],
      issuer: ca.subjectName,
      notBefore: new Date(nowMs),
      notAfter: addDays(nowMs, options.days),
      signingAlgorithm: signingAlgorithm('ec'),
      publicKey: keys.publicKey,
      signingKey: caKey.privateKey,
      extensions,
    },
    cryptoProvider,
  );
  const certificatePem = withNewline(certificate.toString('pem'));
  await verifyAgainstCa(certificate, ca, options.name);
  return { certificatePem, privateKeyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * Consul's tlsutil.Verify before anything is written: the certificate must chain to the CA (so a -key that is not
 * the -ca's key is caught) and carry its name.
 */
async function verifyAgainstCa(certificate: x509.X509Certificate, ca: x509.X509Certificate, name: string) {
  const signed = await certificate.verify({ publicKey: ca.publicKey, signatureOnly: true }, cryptoProvider);
  if (!signed) {
    throw new LatticeError(
      'ERR_USAGE',
      'x509: certificate signed by unknown authority (the key does not match the CA)',
    );
  }
  const sans = certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  if (!sans.some((entry) => entry.type === 'dns' && entry.value === name)) {
    throw new LatticeError('ERR_USAGE', `x509: certificate is not valid for ${name}`);
  }
}
