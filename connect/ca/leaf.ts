// Leaf signing on the servers (Consul's ConsulProvider.Sign plus the checks of the leader's SignCertificate): verify
// the CSR's own signature, require one URI SAN naming a service or agent of this trust domain (and datacenter), and
// issue a short-lived leaf for exactly that identity.

import { CsrRejectedError } from '../errors.js';
import { formatSpiffeId, parseSpiffeId, type SpiffeId } from '../spiffe.js';
import { colonHex, cryptoProvider, keyIdOfSpki, plainHex, randomSerialHex, signingAlgorithm } from './keys.js';
import { type CaSigner, ensureTrailingNewline, rfc3339 } from './root.js';
import * as x509 from './x509.js';

/** A CSR from the network is small: RSA-4096 with a few SANs fits in 4 KiB of PEM; beyond this it is refused. */
export const CSR_PEM_BYTES_MAX = 16 * 1024;
/** DNS and IP SANs per leaf (agents and gateways ask for a handful). */
export const LEAF_SAN_COUNT_MAX = 64;
/** NotBefore is backdated this much so peers with slightly slow clocks accept a fresh leaf (Consul: 1 minute). */
export const LEAF_BACKDATE_MS = 60_000;

const sanOid = '2.5.29.17';

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

interface CsrContents {
  readonly request: x509.Pkcs10CertificateRequest;
  readonly spiffeId: SpiffeId;
  readonly uri: string;
  readonly otherNames: readonly { type: 'dns' | 'ip'; value: string }[];
}

/** Parses and checks a PEM CSR; throws CsrRejectedError with the reason. */
export async function readCsr(csrPem: string, trustDomain: string, datacenter?: string): Promise<CsrContents> {
  if (typeof csrPem !== 'string' || csrPem.length === 0) throw new CsrRejectedError('CSR is empty');
  if (csrPem.length > CSR_PEM_BYTES_MAX) throw new CsrRejectedError(`CSR is larger than ${CSR_PEM_BYTES_MAX} bytes`);
  if (!csrPem.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    throw new CsrRejectedError('CSR is not a PEM CERTIFICATE REQUEST');
  }
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new CsrRejectedError('CSR does not parse', { cause: error });
  }
  let signatureValid = false;
  try {
    signatureValid = await request.verify(cryptoProvider);
  } catch (error) {
    throw new CsrRejectedError('CSR signature cannot be checked', { cause: error });
  }
  if (!signatureValid) throw new CsrRejectedError('CSR signature is invalid');

  const names = sanNames(request);
  const uris = names.filter((name) => name.type === 'url');
  if (uris.length !== 1) throw new CsrRejectedError(`CSR must have exactly one URI SAN, has ${uris.length}`);
  const others = names.filter((name) => name.type !== 'url');
  if (others.length > LEAF_SAN_COUNT_MAX) throw new CsrRejectedError('CSR has too many SANs');
  const otherNames = others.map((name) => {
    if (name.type !== 'dns' && name.type !== 'ip')
      throw new CsrRejectedError(`CSR has an unsupported ${name.type} SAN`);
    return { type: name.type, value: name.value };
  });

  const uri = uris[0]!.value;
  let spiffeId: SpiffeId;
  try {
    spiffeId = parseSpiffeId(uri);
  } catch (error) {
    throw new CsrRejectedError('CSR URI SAN is not a SPIFFE ID', { cause: error });
  }
  if (spiffeId.kind !== 'service' && spiffeId.kind !== 'agent') {
    throw new CsrRejectedError(`CSR SPIFFE ID must name a service or an agent, not a ${spiffeId.kind}`);
  }
  if (spiffeId.trustDomain !== trustDomain) {
    throw new CsrRejectedError('SPIFFE ID in CSR from a different trust domain');
  }
  if (datacenter !== undefined && spiffeId.datacenter !== datacenter) {
    throw new CsrRejectedError('SPIFFE ID in CSR from a different datacenter');
  }
  return { request, spiffeId, uri: formatSpiffeId(spiffeId), otherNames };
}

/** Signs a checked CSR with the active signer. */
export async function signLeaf(signer: CaSigner, csrPem: string, options: SignLeafOptions): Promise<SignedLeaf> {
  const csr = await readCsr(csrPem, signer.trustDomain, options.datacenter);
  const notBeforeMs = options.nowMs - LEAF_BACKDATE_MS;
  const notAfterMs = notBeforeMs + options.leafCertTtlMs;
  const serialHex = options.serialHex ?? randomSerialHex();
  const subjectIsEmpty = csr.request.subjectName.toJSON().length === 0;
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialHex,
      subject: csr.request.subjectName,
      issuer: signer.certificate.subjectName,
      notBefore: new Date(notBeforeMs),
      notAfter: new Date(notAfterMs),
      signingAlgorithm: signingAlgorithm(signer.keyType),
      publicKey: csr.request.publicKey,
      signingKey: signer.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment |
            x509.KeyUsageFlags.dataEncipherment |
            x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectKeyIdentifierExtension(plainHex(keyIdOfSpki(csr.request.publicKey.rawData))),
        new x509.AuthorityKeyIdentifierExtension(plainHex(signer.keyId)),
        // RFC 5280 §4.2.1.6: with an empty subject the SAN carries the identity and must be critical.
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: csr.uri }, ...csr.otherNames], subjectIsEmpty),
      ],
    },
    cryptoProvider,
  );
  const leafPem = ensureTrailingNewline(certificate.toString('pem'));
  const certPem = leafPem + signer.intermediatePems.map(ensureTrailingNewline).join('');
  return {
    certPem,
    leafPem,
    serialNumber: colonHex(Buffer.from(certificate.serialNumber, 'hex')),
    spiffeId: csr.spiffeId,
    uri: csr.uri,
    validAfter: rfc3339(certificate.notBefore),
    validBefore: rfc3339(certificate.notAfter),
    notBeforeMs,
    notAfterMs,
  };
}

function sanNames(request: x509.Pkcs10CertificateRequest): x509.GeneralName[] {
  const extensions = request.getExtensions(sanOid);
  if (extensions.length > 1) throw new CsrRejectedError('CSR has more than one SAN extension');
  const extension = extensions[0];
  if (!extension) return [];
  try {
    return [...new x509.SubjectAlternativeNameExtension(extension.rawData).names.items];
  } catch (error) {
    throw new CsrRejectedError('CSR SAN extension does not parse', { cause: error });
  }
}
