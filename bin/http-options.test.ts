// Proves the precedence of the agent address and token for CLI commands: flag, then LATTICE_*, then CONSUL_*,
// then the default 127.0.0.1:8500, and how a bare host:port becomes a URL.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestHeaders, resolveHttpOptions } from './http-options.js';

describe('resolveHttpOptions', () => {
  it('defaults to 127.0.0.1:8500 without a token', () => {
    assert.deepEqual(resolveHttpOptions({}, {}), { baseUrl: 'http://127.0.0.1:8500', token: null });
  });
  it('reads CONSUL_* and lets LATTICE_* win', () => {
    const env = { CONSUL_HTTP_ADDR: '10.0.0.1:8500', CONSUL_HTTP_TOKEN: 'consul' };
    assert.deepEqual(resolveHttpOptions({}, env), { baseUrl: 'http://10.0.0.1:8500', token: 'consul' });
    const both = { ...env, LATTICE_HTTP_ADDR: 'https://lattice:8501/', LATTICE_HTTP_TOKEN: 'lattice' };
    assert.deepEqual(resolveHttpOptions({}, both), { baseUrl: 'https://lattice:8501', token: 'lattice' });
  });
  it('lets flags win over the environment, and ignores empty variables', () => {
    const env = { LATTICE_HTTP_ADDR: '', CONSUL_HTTP_ADDR: '10.0.0.1:8500', LATTICE_HTTP_TOKEN: 'env' };
    assert.deepEqual(resolveHttpOptions({ httpAddr: '127.0.0.2:8500', token: 'flag' }, env), {
      baseUrl: 'http://127.0.0.2:8500',
      token: 'flag',
    });
    assert.equal(resolveHttpOptions({}, env).baseUrl, 'http://10.0.0.1:8500');
  });
  it('sends the token as X-Consul-Token', () => {
    assert.deepEqual(requestHeaders({ baseUrl: 'http://x', token: 't' }), { 'X-Consul-Token': 't' });
    assert.deepEqual(requestHeaders({ baseUrl: 'http://x', token: null }), {});
  });
});

describe('datacenter and TLS settings', () => {
  it('carries -datacenter and adds it as ?dc= unless the request set dc', async () => {
    const { agentUrl } = await import('./http-options.js');
    const options = resolveHttpOptions({ datacenter: 'dc2' }, {});
    assert.equal(options.datacenter, 'dc2');
    assert.equal(agentUrl(options, '/v1/kv/a', [['recurse', '']]).search, '?recurse=&dc=dc2');
    assert.equal(agentUrl(options, '/v1/catalog/nodes', [['dc', 'dc3']]).search, '?dc=dc3');
    assert.equal(agentUrl(resolveHttpOptions({}, {}), '/v1/kv/a').search, '');
  });
  it('makes a bare address https with CONSUL_HTTP_SSL=true, and refuses TLS settings for https', async () => {
    const { HttpsNotImplementedError } = await import('./http-options.js');
    assert.equal(resolveHttpOptions({}, { CONSUL_HTTP_SSL: 'true' }).baseUrl, 'https://127.0.0.1:8500');
    assert.equal(resolveHttpOptions({}, { CONSUL_HTTP_SSL: 'false' }).baseUrl, 'http://127.0.0.1:8500');
    assert.equal(resolveHttpOptions({ caFile: 'ca.pem' }, {}).baseUrl, 'http://127.0.0.1:8500', 'ignored for http');
    assert.throws(
      () => resolveHttpOptions({ httpAddr: 'https://x:8501', clientCert: 'c.pem' }, {}),
      HttpsNotImplementedError,
    );
    assert.throws(
      () => resolveHttpOptions({}, { CONSUL_HTTP_SSL: '1', CONSUL_TLS_SERVER_NAME: 'consul' }),
      /CONSUL_TLS_SERVER_NAME cannot be honoured/,
    );
  });
});

describe('token file', () => {
  it("reads -token-file (or CONSUL_HTTP_TOKEN_FILE), trimmed, over -token, as Consul's api.NewClient", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const directory = mkdtempSync(join(tmpdir(), 'lattice-token-'));
    try {
      const file = join(directory, 'token');
      writeFileSync(file, '  from-file\n');
      assert.equal(resolveHttpOptions({ token: 'flag', tokenFile: file }, {}).token, 'from-file');
      assert.equal(
        resolveHttpOptions({}, { CONSUL_HTTP_TOKEN_FILE: file, CONSUL_HTTP_TOKEN: 'env' }).token,
        'from-file',
      );
      writeFileSync(file, '\n');
      assert.equal(
        resolveHttpOptions({ token: 'flag', tokenFile: file }, {}).token,
        'flag',
        'an empty file changes nothing',
      );
      assert.throws(
        () => resolveHttpOptions({ tokenFile: join(directory, 'missing') }, {}),
        /Error loading token file: /,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
