// Proves through the real binary that a hardened Consul config (the QA repro: ACLs on with a deny default, TLS
// files and verification) is refused before anything starts: `lattice validate` and `lattice agent` both exit 1
// and list every refused key with its file, and the agent creates no data directory and opens no port. Loopback
// range 127.30.0.0/24.

import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { runLattice } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const temporary: TempDir[] = [];
after(async () => {
  await Promise.all(temporary.map((dir) => dir.remove()));
});

async function hardenedConfig(): Promise<{ dir: TempDir; file: string; dataDir: string }> {
  const dir = await makeTempDir();
  temporary.push(dir);
  const dataDir = dir.file('data');
  const written = await makeTempDir({
    'hardened.hcl': [
      `data_dir="${dataDir}" server=true bootstrap_expect=1 bind_addr="127.30.0.2" client_addr="127.30.0.2"`,
      'acl { enabled = true',
      '      default_policy = "deny" }',
      'tls { defaults { ca_file="/nonexistent-ca.pem" cert_file="/nonexistent.pem" key_file="/nonexistent-key.pem" verify_incoming=true verify_outgoing=true }',
      '      internal_rpc { verify_server_hostname = true } }',
      '',
    ].join('\n'),
  });
  temporary.push(written);
  return { dir, file: written.file('hardened.hcl'), dataDir };
}

function expectedErrors(file: string): string[] {
  const tls = 'TLS is not implemented yet (next milestone)';
  return [
    'Config validation failed (7 errors):',
    `  ${file}: acl.enabled: ACLs are not implemented yet (next milestone); remove it or set it to false`,
    `  ${file}: tls.defaults.ca_file: ${tls}; remove it`,
    `  ${file}: tls.defaults.cert_file: ${tls}; remove it`,
    `  ${file}: tls.defaults.key_file: ${tls}; remove it`,
    `  ${file}: tls.defaults.verify_incoming: ${tls}; remove it or set it to false`,
    `  ${file}: tls.defaults.verify_outgoing: ${tls}; remove it or set it to false`,
    `  ${file}: tls.internal_rpc.verify_server_hostname: ${tls}; remove it or set it to false`,
  ];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('ACL and TLS settings are refused by the CLI', () => {
  it('lattice validate exits 1 naming every refused key and the file', async () => {
    const { file } = await hardenedConfig();
    const result = await runLattice(['validate', file]);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stdout, '');
    assert.deepEqual(result.stderr.trimEnd().split('\n'), expectedErrors(file));
  });

  it('lattice agent exits 1 with the same list before starting anything', async () => {
    const { file, dataDir } = await hardenedConfig();
    const result = await runLattice(['agent', `-config-file=${file}`]);
    assert.equal(result.code, 1, result.stdout);
    assert.deepEqual(result.stderr.trimEnd().split('\n'), expectedErrors(file));
    assert.equal(await exists(dataDir), false, 'the data directory was never created');
    const listening = await fetch('http://127.30.0.2:8500/v1/status/leader').then(
      () => true,
      () => false,
    );
    assert.equal(listening, false, 'no HTTP listener was opened');
  });

  it('lattice agent -dev refuses -https-port as not implemented', async () => {
    const result = await runLattice(['agent', '-dev', '-bind=127.30.0.3', '-client=127.30.0.3', '-https-port=8501']);
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      /command-line flags: ports\.https: the HTTPS listener is not implemented yet \(next milestone\); remove it or set it to -1/,
    );
  });
});
