// Peer verification for the mesh: a chain (leaf, then intermediates) must lead to one of the trusted roots by
// issuer and signature, every certificate on that path must be inside its validity window at the injected time, and
// the leaf's one URI SAN is the peer's SPIFFE ID. The outbound side also names the service it meant to reach.
// Uses Node's own X509Certificate (OpenSSL), independent of the library that issues the certificates.

import { X509Certificate } from 'node:crypto';
import {
  CertificateExpiredError,
  MalformedCertificateError,
  UnknownCaError,
  WrongServiceError,
  WrongTrustDomainError,
} from './errors.js';
import { DEFAULT_NAMESPACE, formatSpiffeId, parseSpiffeId, type SpiffeId } from './spiffe.js';

/** Leaf plus intermediates a peer may present; Consul sends at most the leaf and one cross-signed certificate. */
export const PEER_CHAIN_LENGTH_MAX = 8;

export type CertificateInput = string | Uint8Array | X509Certificate;

/** Trusted roots parsed once per roots change, not per connection. */
export interface TrustedRoots {
  readonly certificates: readonly X509Certificate[];
}

export interface ExpectedService {
  readonly service: string;
  readonly namespace?: string;
  /** Checked only when given: an upstream in another datacenter is still the same service. */
  readonly datacenter?: string;
}

export interface VerifyPeerOptions {
  readonly nowMs: number;
  /** The mesh's trust domain; a chain from a root of another domain that we still trust is refused. */
  readonly trustDomain?: string;
  /** The service the outbound side dialled; absent on the inbound side, which authorizes by intentions instead. */
  readonly expectedService?: ExpectedService;
}

export interface VerifiedPeer {
  readonly spiffeId: SpiffeId;
  readonly uri: string;
  /** Colon-hex serial, as authorize's `ClientCertSerial`. */
  readonly serialNumber: string;
  /** Leaf first, then each issuer up to and including the trusted root. */
  readonly path: readonly X509Certificate[];
}

const pemPattern = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits PEM bundles and parses every certificate; throws MalformedCertificateError on garbage. */
export function parseCertificates(inputs: CertificateInput | readonly CertificateInput[]): X509Certificate[] {
  const list = Array.isArray(inputs) ? inputs : [inputs as CertificateInput];
  const parsed: X509Certificate[] = [];
  for (const input of list) {
    if (input instanceof X509Certificate) {
      parsed.push(input);
      continue;
    }
    const blocks = typeof input === 'string' ? (input.match(pemPattern) ?? []) : [input];
    if (blocks.length === 0) throw new MalformedCertificateError('no PEM certificate found');
    for (const block of blocks) {
      if (parsed.length >= PEER_CHAIN_LENGTH_MAX * 8) throw new MalformedCertificateError('too many certificates');
      try {
        parsed.push(new X509Certificate(block));
      } catch (error) {
        throw new MalformedCertificateError('certificate does not parse', { cause: error });
      }
    }
  }
  return parsed;
}

export function trustedRoots(rootPems: CertificateInput | readonly CertificateInput[]): TrustedRoots {
  const certificates = parseCertificates(rootPems).filter((certificate) => certificate.ca);
  return { certificates };
}

/** Verifies a peer chain against the trusted roots at nowMs and returns the peer's identity. */
export function verifyPeerChain(
  chain: CertificateInput | readonly CertificateInput[],
  roots: TrustedRoots,
  options: VerifyPeerOptions,
): VerifiedPeer {
  const [leaf, ...intermediates] = parseCertificates(chain);
  if (!leaf) throw new MalformedCertificateError('the peer sent no certificate');
  if (intermediates.length >= PEER_CHAIN_LENGTH_MAX) throw new MalformedCertificateError('peer chain is too long');
  if (leaf.ca) throw new MalformedCertificateError('the peer certificate is a CA certificate, not a leaf');
  const path = buildPath(leaf, intermediates, roots);
  for (const certificate of path) checkValidity(certificate, options.nowMs);
  const uri = singleUriSan(leaf);
  let spiffeId: SpiffeId;
  try {
    spiffeId = parseSpiffeId(uri);
  } catch (error) {
    throw new MalformedCertificateError('the peer certificate URI SAN is not a SPIFFE ID', { cause: error });
  }
  if (options.trustDomain !== undefined && spiffeId.trustDomain !== options.trustDomain.toLowerCase()) {
    throw new WrongTrustDomainError(options.trustDomain, spiffeId.trustDomain);
  }
  if (options.expectedService) checkExpectedService(spiffeId, options.expectedService, uri);
  return { spiffeId, uri: formatSpiffeId(spiffeId), serialNumber: colonSerial(leaf.serialNumber), path };
}

function buildPath(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: TrustedRoots,
): X509Certificate[] {
  const path = [leaf];
  const unused = new Set(intermediates);
  let current = leaf;
  // Each step either reaches a root or consumes one intermediate, so the loop is bounded by the chain length.
  for (;;) {
    const root = roots.certificates.find((candidate) => issuedBy(current, candidate));
    if (root) {
      path.push(root);
      return path;
    }
    const next = [...unused].find((candidate) => candidate.ca && issuedBy(current, candidate));
    if (!next) throw new UnknownCaError('the certificate chain does not lead to a trusted Connect CA root');
    unused.delete(next);
    path.push(next);
    current = next;
  }
}

function issuedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  // checkIssued compares names, key identifiers and the issuer's keyCertSign usage; verify checks the signature.
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

function checkValidity(certificate: X509Certificate, nowMs: number): void {
  const notBeforeMs = Date.parse(certificate.validFrom);
  const notAfterMs = Date.parse(certificate.validTo);
  if (Number.isNaN(notBeforeMs) || Number.isNaN(notAfterMs)) {
    throw new MalformedCertificateError('certificate validity dates do not parse');
  }
  if (nowMs < notBeforeMs) {
    throw new CertificateExpiredError('not-yet-valid', `certificate is not valid before ${certificate.validFrom}`);
  }
  if (nowMs > notAfterMs) throw new CertificateExpiredError('expired', `certificate expired at ${certificate.validTo}`);
}

function checkExpectedService(id: SpiffeId, expected: ExpectedService, uri: string): void {
  const expectedText = `service ${expected.service} in namespace ${expected.namespace ?? DEFAULT_NAMESPACE}`;
  if (id.kind !== 'service') throw new WrongServiceError(expectedText, uri);
  const matches =
    id.service === expected.service &&
    id.namespace === (expected.namespace ?? DEFAULT_NAMESPACE) &&
    (expected.datacenter === undefined || id.datacenter === expected.datacenter);
  if (!matches) throw new WrongServiceError(expectedText, uri);
}

/** The one URI SAN of a leaf, from Node's `subjectAltName` text (entries split by ", ", values maybe quoted). */
export function singleUriSan(certificate: X509Certificate): string {
  const uris = subjectAltNames(certificate.subjectAltName ?? '')
    .filter((entry) => entry.type === 'URI')
    .map((entry) => entry.value);
  if (uris.length !== 1) {
    throw new MalformedCertificateError(`a Connect certificate has exactly one URI SAN, this one has ${uris.length}`);
  }
  return uris[0]!;
}

function subjectAltNames(text: string): { type: string; value: string }[] {
  const entries: { type: string; value: string }[] = [];
  let position = 0;
  while (position < text.length) {
    const colon = text.indexOf(':', position);
    if (colon === -1) break;
    const type = text.slice(position, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      // Node quotes values holding separators as JSON strings.
      end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      end += 1;
      value = JSON.parse(text.slice(colon + 1, end)) as string;
    } else {
      end = text.indexOf(', ', colon);
      if (end === -1) end = text.length;
      value = text.slice(colon + 1, end);
    }
    entries.push({ type, value });
    position = text.startsWith(', ', end) ? end + 2 : end;
  }
  return entries;
}

function colonSerial(hex: string): string {
  const even = hex.length % 2 === 0 ? hex : `0${hex}`;
  return (even.match(/../g) ?? []).join(':').toLowerCase();
}
