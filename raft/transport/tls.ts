// The one TLS config object of the Raft transport (DESIGN §9): `enabled: false` is plaintext, the same code path
// with insecure credentials, never a separate one.

import * as grpc from '@grpc/grpc-js';

export type RaftTlsConfig =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      /** PEM CA bundle that peers' certificates must chain to. */
      readonly caPem: Uint8Array;
      readonly certPem: Uint8Array;
      readonly keyPem: Uint8Array;
      /** Require and verify client certificates (Consul's verify_incoming). */
      readonly verifyIncoming: boolean;
      /** Expected server name in peers' certificates (Consul's verify_server_hostname), if checked. */
      readonly serverName?: string;
    };

export const tlsOff: RaftTlsConfig = Object.freeze({ enabled: false });

export function serverCredentials(tls: RaftTlsConfig): grpc.ServerCredentials {
  if (!tls.enabled) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    Buffer.from(tls.caPem),
    [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }],
    tls.verifyIncoming,
  );
}

export function channelCredentials(tls: RaftTlsConfig): grpc.ChannelCredentials {
  if (!tls.enabled) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(Buffer.from(tls.caPem), Buffer.from(tls.keyPem), Buffer.from(tls.certPem));
}

/** Channel options that go with the credentials (the server name to verify, when set). */
export function channelTlsOptions(tls: RaftTlsConfig): grpc.ChannelOptions {
  return tls.enabled && tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {};
}
