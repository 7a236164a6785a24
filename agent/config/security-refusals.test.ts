// Proves that settings which would make Consul enforce ACLs or TLS are refused at validation, naming each key and
// the file that set it, all at once (the QA repro: a hardened Consul config must not start an open cluster); that
// their explicit "off" values, the -dev defaults and a server's implicit gRPC TLS port are accepted; and that a
// later source turning a setting off wins, as any other merged key.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { flagsSourceName, flagsToConfig } from './flags.js';
import { loadConfig } from './load.js';
import { formatProblem, ProblemList } from './problems.js';
import { type ConfigDir, testEnvironment, writeConfigDir } from './testing.js';
import { type ConfigInit, validateConfig } from './validate.js';

const dirs: ConfigDir[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => dir.remove()));
});

async function loadFiles(files: Readonly<Record<string, string>>, flags?: Record<string, unknown>) {
  const dir = await writeConfigDir(files);
  dirs.push(dir);
  const result = await loadConfig({
    configPaths: [dir.path],
    devMode: false,
    environment: testEnvironment,
    ...(flags ? { flagValues: flags, flagsSourceName } : {}),
  });
  return {
    ...result,
    dir,
    messages: result.errors.map(formatProblem),
    warningMessages: result.warnings.map(formatProblem),
  };
}

const base: ConfigInit = { sourceName: 'base.json', values: { data_dir: '/var/lib/lattice' } };

function validate(inits: ConfigInit[], devMode = false) {
  const result = validateConfig(inits, { devMode, environment: testEnvironment });
  return { ...result, messages: result.errors.map(formatProblem), warningMessages: result.warnings.map(formatProblem) };
}

const qaRepro = `data_dir="/tmp/x"
server=true
bootstrap_expect=1
bind_addr="127.30.0.2"
client_addr="127.30.0.2"
acl { enabled = true
      default_policy = "deny" }
tls { defaults { ca_file="/nonexistent-ca.pem" cert_file="/nonexistent.pem" key_file="/nonexistent-key.pem" verify_incoming=true verify_outgoing=true }
      internal_rpc { verify_server_hostname = true } }
`;

describe('ACL and TLS settings Lattice does not implement', () => {
  it('refuses every key of the QA repro at once, naming key and file', async () => {
    const result = await loadFiles({ 'hardened.hcl': qaRepro });
    const file = result.dir.file('hardened.hcl');
    const tls = 'TLS is not implemented yet (next milestone)';
    assert.equal(result.config, null);
    assert.deepEqual(result.messages, [
      `${file}: acl.enabled: ACLs are not implemented yet (next milestone); remove it or set it to false`,
      `${file}: tls.defaults.ca_file: ${tls}; remove it`,
      `${file}: tls.defaults.cert_file: ${tls}; remove it`,
      `${file}: tls.defaults.key_file: ${tls}; remove it`,
      `${file}: tls.defaults.verify_incoming: ${tls}; remove it or set it to false`,
      `${file}: tls.defaults.verify_outgoing: ${tls}; remove it or set it to false`,
      `${file}: tls.internal_rpc.verify_server_hostname: ${tls}; remove it or set it to false`,
    ]);
    assert.deepEqual(result.warningMessages, [], 'the deny policy is not also warned about: acl.enabled is refused');
  });

  it('refuses the same settings in JSON', () => {
    const result = validate([
      base,
      {
        sourceName: 'secure.json',
        values: {
          acl: { enabled: true },
          tls: { https: { cert_file: '/c.pem' }, grpc: { use_auto_cert: true } },
        },
      },
    ]);
    assert.deepEqual(result.messages, [
      'secure.json: acl.enabled: ACLs are not implemented yet (next milestone); remove it or set it to false',
      'secure.json: tls.https.cert_file: TLS is not implemented yet (next milestone); remove it',
      'secure.json: tls.grpc.use_auto_cert: TLS is not implemented yet (next milestone); remove it or set it to false',
    ]);
  });

  it("refuses Consul's legacy top-level TLS keys and acl_datacenter, which turns ACLs on", () => {
    const result = validate([
      base,
      {
        sourceName: 'legacy.json',
        values: {
          acl_datacenter: 'dc1',
          acl_master_token: 'secret',
          ca_file: '/ca.pem',
          ca_path: '/certs',
          cert_file: '/c.pem',
          key_file: '/k.pem',
          verify_incoming: true,
          verify_incoming_rpc: true,
          verify_incoming_https: true,
          verify_outgoing: true,
          verify_server_hostname: true,
        },
      },
    ]);
    const tls = 'TLS is not implemented yet (next milestone)';
    assert.deepEqual(result.messages, [
      'legacy.json: acl_datacenter: ACLs are not implemented yet (next milestone), and acl_datacenter turns them on (primary_datacenter names the primary datacenter); remove it',
      `legacy.json: ca_file: ${tls}; remove it`,
      `legacy.json: ca_path: ${tls}; remove it`,
      `legacy.json: cert_file: ${tls}; remove it`,
      `legacy.json: key_file: ${tls}; remove it`,
      `legacy.json: verify_incoming: ${tls}; remove it or set it to false`,
      `legacy.json: verify_incoming_rpc: ${tls}; remove it or set it to false`,
      `legacy.json: verify_incoming_https: ${tls}; remove it or set it to false`,
      `legacy.json: verify_outgoing: ${tls}; remove it or set it to false`,
      `legacy.json: verify_server_hostname: ${tls}; remove it or set it to false`,
    ]);
  });

  it('refuses auto_encrypt, auto_config, an HTTPS port and an explicit gRPC TLS port', () => {
    const result = validate([
      base,
      {
        sourceName: 'agent.hcl',
        values: {
          server: true,
          auto_encrypt: { allow_tls: true },
          auto_config: { authorization: { enabled: true } },
          ports: { https: 8501, grpc_tls: 8503 },
        },
      },
      { sourceName: 'client.hcl', values: { auto_encrypt: { tls: true }, auto_config: { enabled: true } } },
    ]);
    assert.deepEqual(result.messages, [
      'client.hcl: auto_encrypt.tls: auto-encrypt (agent TLS certificates) is not implemented yet; remove it or set it to false',
      'agent.hcl: auto_encrypt.allow_tls: auto-encrypt (agent TLS certificates) is not implemented yet; remove it or set it to false',
      'client.hcl: auto_config.enabled: auto-config is not implemented yet; remove it or set it to false',
      'agent.hcl: auto_config.authorization.enabled: auto-config is not implemented yet; remove it or set it to false',
      'agent.hcl: ports.https: the HTTPS listener is not implemented yet (next milestone); remove it or set it to -1',
      'agent.hcl: ports.grpc_tls: the gRPC TLS listener is not implemented yet (next milestone); remove it or set it to -1',
    ]);
  });

  it('refuses -https-port from the command line, naming the flags', async () => {
    const result = await loadFiles(
      { 'a.hcl': 'data_dir = "/d"\n' },
      flagsToConfig({ httpsPort: '8501' }, new ProblemList()),
    );
    assert.deepEqual(result.messages, [
      'command-line flags: ports.https: the HTTPS listener is not implemented yet (next milestone); remove it or set it to -1',
    ]);
  });

  it('accepts the explicit off values and settings that turn nothing on', async () => {
    const result = await loadFiles({
      'off.hcl': [
        'data_dir = "/d"',
        'server = true',
        'acl { enabled = false',
        '      tokens { agent = "x" } }',
        'tls { defaults { verify_incoming = false verify_outgoing = false ca_file = "" tls_min_version = "TLSv1_2" } }',
        'verify_incoming = false',
        'verify_server_hostname = false',
        'auto_encrypt { tls = false }',
        'ports { https = -1 }',
        'encrypt_verify_incoming = false',
      ].join('\n'),
    });
    assert.deepEqual(result.messages, []);
    assert.deepEqual(result.warningMessages, []);
    assert.equal(result.config?.aclEnabled, false);
    assert.equal(result.config?.tls.enabled, false);
    assert.equal(result.config?.ports.grpcTls, -1, 'a server has no implicit gRPC TLS port to refuse');
  });

  it('lets a later source turn a setting off, as any merged key', () => {
    const result = validate([
      base,
      { sourceName: '10-secure.json', values: { acl: { enabled: true }, verify_outgoing: true } },
      { sourceName: '20-off.json', values: { acl: { enabled: false }, verify_outgoing: false } },
    ]);
    assert.deepEqual(result.messages, []);
  });

  it('names the later source when it is the one turning a setting on', () => {
    const result = validate([
      base,
      { sourceName: '10-off.json', values: { acl: { enabled: false } } },
      { sourceName: '20-on.json', values: { acl: { enabled: true } } },
    ]);
    assert.deepEqual(result.messages, [
      '20-on.json: acl.enabled: ACLs are not implemented yet (next milestone); remove it or set it to false',
    ]);
  });

  it('warns that a deny default policy has no effect while ACLs are off', () => {
    const result = validate([
      base,
      { sourceName: 'p.json', values: { acl: { default_policy: 'deny' }, acl_default_policy: 'deny' } },
    ]);
    assert.deepEqual(result.messages, []);
    assert.deepEqual(result.warningMessages, [
      'p.json: acl.default_policy: "deny" has no effect: ACLs are off (as in Consul without acl.enabled = true), and ACLs are not implemented yet (next milestone)',
      'p.json: acl_default_policy: "deny" has no effect: ACLs are off (as in Consul without acl.enabled = true), and ACLs are not implemented yet (next milestone)',
    ]);
  });

  it('keeps -dev valid', () => {
    const result = validate([], true);
    assert.deepEqual(result.messages, []);
    assert.ok(result.config);
  });
});
