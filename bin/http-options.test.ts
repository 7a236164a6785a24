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
