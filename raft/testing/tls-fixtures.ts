// A throwaway CA and one leaf certificate (server and client auth, SAN 127.0.0.1 and "server.dc1.lattice"),
// made with the openssl command in a temp dir that is removed at once, so TLS tests need no checked-in keys.
// (@peculiar/x509 would do it in process but needs a reflect-metadata polyfill that is not a dependency.)

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RaftTlsConfig } from '../transport/tls.js';
import { makeTempDir } from './temp-dir.js';

export interface TlsFixture {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const run = promisify(execFile);

export async function makeTlsFixture(): Promise<TlsFixture> {
  const dir = await makeTempDir('lattice-tls-');
  const path = (name: string) => join(dir.path, name);
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=Lattice Test CA',
    ]);
    await run('openssl', [
      'req',
      ...ec,
      '-keyout',
      path('leaf.key'),
      '-out',
      path('leaf.csr'),
      '-subj',
      '/CN=server.dc1.lattice',
    ]);
    await writeFile(
      path('leaf.ext'),
      'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:server.dc1.lattice\n',
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      path('leaf.csr'),
      '-CA',
      path('ca.pem'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path('leaf.pem'),
      '-days',
      '1',
      '-extfile',
      path('leaf.ext'),
    ]);
    return {
      caPem: await readFile(path('ca.pem'), 'utf8'),
      certPem: await readFile(path('leaf.pem'), 'utf8'),
      keyPem: await readFile(path('leaf.key'), 'utf8'),
    };
  } finally {
    await dir.remove();
  }
}

/**
 * A fresh fixture as the Raft/RPC TLS config with client certificates required (verify_incoming). `serverName`
 * is the name to check in the peer's certificate when the dialled address is not one it covers.
 */
export async function mutualTlsConfig(serverName?: string): Promise<RaftTlsConfig> {
  const fixture = await makeTlsFixture();
  const encoder = new TextEncoder();
  return {
    enabled: true,
    caPem: encoder.encode(fixture.caPem),
    certPem: encoder.encode(fixture.certPem),
    keyPem: encoder.encode(fixture.keyPem),
    verifyIncoming: true,
    ...(serverName === undefined ? {} : { serverName }),
  };
}
