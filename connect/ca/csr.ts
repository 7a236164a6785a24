// The agent side of leaf issuance: a fresh key pair and a PKCS#10 request naming one SPIFFE ID, as Consul's agent
// makes before asking a server to sign (connect.CreateCSR: URI SAN only, no subject, optional DNS/IP SANs).

import { formatSpiffeId, type SpiffeId } from '../spiffe.js';
import { cryptoProvider, generateKeyPair, type PrivateKeyType, privateKeyToPem, signingAlgorithm } from './keys.js';
import { ensureTrailingNewline } from './root.js';
import * as x509 from './x509.js';

export interface CsrRequest {
  readonly id: SpiffeId;
  /** Newer Consul agents use the CA's configured key type and size for leaves; EC P-256 by default. */
  readonly keyType?: PrivateKeyType;
  readonly keyBits?: number;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

export interface GeneratedCsr {
  readonly csrPem: string;
  readonly privateKeyPem: string;
}

export async function generateCsr(request: CsrRequest): Promise<GeneratedCsr> {
  const keyType = request.keyType ?? 'ec';
  const keyBits = request.keyBits ?? (keyType === 'ec' ? 256 : 2048);
  const keys = await generateKeyPair(keyType, keyBits);
  const names: x509.JsonGeneralName[] = [
    { type: 'url', value: formatSpiffeId(request.id) },
    ...(request.dnsNames ?? []).map((value): x509.JsonGeneralName => ({ type: 'dns', value })),
    ...(request.ipAddresses ?? []).map((value): x509.JsonGeneralName => ({ type: 'ip', value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      keys,
      signingAlgorithm: signingAlgorithm(keyType),
      extensions: [new x509.SubjectAlternativeNameExtension(names, true)],
    },
    cryptoProvider,
  );
  return {
    csrPem: ensureTrailingNewline(csr.toString('pem')),
    privateKeyPem: await privateKeyToPem(keys.privateKey),
  };
}
