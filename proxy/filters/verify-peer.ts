// Inbound identity: the client's chain is verified with connect/'s verifyPeerChain against the current roots at the
// current wall time, and its SPIFFE ID must name a service; the caller becomes the connection's source.

import type { TLSSocket } from 'node:tls';
import { MalformedCertificateError } from '../../connect/errors.js';
import { verifyPeerChain } from '../../connect/verify.js';
import type { Clock } from '../../lib/clock.js';
import type { ServiceCredentials } from '../credentials.js';
import { PeerRejectedError } from '../errors.js';
import type { NetworkFilter } from '../filter-chain.js';
import { peerChainDer } from '../peer-chain.js';

export function verifyPeer(credentials: ServiceCredentials, clock: Clock): NetworkFilter {
  return (next) => async (connection) => {
    const { context } = connection;
    const current = credentials.current();
    try {
      const chain = peerChainDer(connection.downstream as TLSSocket);
      if (chain.length === 0) throw new MalformedCertificateError('the client sent no certificate');
      const peer = verifyPeerChain(chain, current.roots, { nowMs: clock.wallMs(), trustDomain: current.trustDomain });
      if (peer.spiffeId.kind !== 'service') {
        throw new MalformedCertificateError(`the client identity ${peer.uri} is not a service`);
      }
      context.source = peer.spiffeId.service;
      context.sourceNamespace = peer.spiffeId.namespace;
      context.peerUri = peer.uri;
    } catch (error) {
      throw new PeerRejectedError(context.remoteAddress, { cause: error });
    }
    await next(connection);
  };
}
