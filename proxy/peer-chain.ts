// The certificates a TLS peer presented, leaf first, as DER: Node links each certificate to its issuer when the
// issuer was sent too (or is in the context's CA list), so walking `issuerCertificate` yields the chain.

import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { PEER_CHAIN_LENGTH_MAX } from '../connect/verify.js';

export function peerChainDer(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  let current = socket.getPeerCertificate(true) as Partial<DetailedPeerCertificate> | undefined;
  // Bounded by the chain length verifyPeerChain accepts plus the root; a self-signed root names itself as issuer.
  while (current?.raw && !seen.has(current.fingerprint256 ?? '') && chain.length <= PEER_CHAIN_LENGTH_MAX) {
    seen.add(current.fingerprint256 ?? '');
    chain.push(current.raw);
    current = current.issuerCertificate;
  }
  return chain;
}
