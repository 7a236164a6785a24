// Inbound identity: the client's chain is verified with connect/'s verifyPeerChain against the current roots at the
// current wall time, and its SPIFFE ID must name a service; the caller becomes the connection's source. A leaf
// already verified under the same credentials is not verified again while its path is valid (verified-peers.ts).

import type { TLSSocket } from 'node:tls';
import { MalformedCertificateError } from '../../connect/errors.js';
import { verifyPeerChain } from '../../connect/verify.js';
import type { Clock } from '../../lib/clock.js';
import type { ServiceCredentials } from '../credentials.js';
import { PROXY_DEFAULTS } from '../defaults.js';
import { PeerRejectedError } from '../errors.js';
import type { NetworkFilter } from '../filter-chain.js';
import { MuxStream } from '../mux/stream.js';
import { peerChainDer } from '../peer-chain.js';
import { type PeerIdentity, VerifiedPeers } from '../verified-peers.js';

export function verifyPeer(
  credentials: ServiceCredentials,
  clock: Clock,
  verified = new VerifiedPeers(PROXY_DEFAULTS.verifiedPeersMax),
): NetworkFilter {
  return (next) => async (connection) => {
    const { context } = connection;
    const current = credentials.current();
    try {
      // A stream of a multiplexed session is verified by its session's certificate, under the credentials of now.
      const { downstream } = connection;
      const socket = (downstream instanceof MuxStream ? downstream.sessionSocket : downstream) as TLSSocket;
      const leaf = socket.getPeerX509Certificate();
      if (!leaf) throw new MalformedCertificateError('the client sent no certificate');
      const nowMs = clock.wallMs();
      let identity: PeerIdentity | null = verified.get(current, leaf.fingerprint256, nowMs);
      if (identity === null) {
        const peer = verifyPeerChain(peerChainDer(socket), current.roots, { nowMs, trustDomain: current.trustDomain });
        if (peer.spiffeId.kind !== 'service') {
          throw new MalformedCertificateError(`the client identity ${peer.uri} is not a service`);
        }
        identity = { service: peer.spiffeId.service, namespace: peer.spiffeId.namespace, uri: peer.uri };
        verified.set(current, leaf.fingerprint256, identity, peer.path);
      }
      context.source = identity.service;
      context.sourceNamespace = identity.namespace;
      context.peerUri = identity.uri;
    } catch (error) {
      throw new PeerRejectedError(context.remoteAddress, { cause: error });
    }
    await next(connection);
  };
}
