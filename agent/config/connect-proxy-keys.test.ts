// Proves the agent keys for Connect proxies: `connect.managed_proxies` and `connect.close_revoked_connections`
// default to true, take booleans from files (HCL through the same checker), and anything else is the standard
// config error; an unknown key under `connect` is the standard warning.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem } from './problems.js';
import { testEnvironment } from './testing.js';
import { type ConfigInit, validateConfig } from './validate.js';

const base: ConfigInit = { sourceName: 'base.json', values: { data_dir: '/var/lib/lattice' } };

function validate(values: Record<string, unknown>, devMode = false) {
  const result = validateConfig([base, { sourceName: 'c.hcl', values }], { devMode, environment: testEnvironment });
  return {
    config: result.config,
    errors: result.errors.map(formatProblem),
    warnings: result.warnings.map(formatProblem),
  };
}

describe('connect proxy keys', () => {
  it('default to managed proxies that close revoked connections, in -dev too', () => {
    for (const devMode of [false, true]) {
      const { config, errors } = validate({}, devMode);
      assert.deepEqual(errors, []);
      assert.equal(config?.connectManagedProxies, true);
      assert.equal(config?.connectCloseRevokedConnections, true);
    }
  });

  it('turn off with false', () => {
    const { config, errors } = validate({ connect: { managed_proxies: false, close_revoked_connections: false } });
    assert.deepEqual(errors, []);
    assert.equal(config?.connectManagedProxies, false);
    assert.equal(config?.connectCloseRevokedConnections, false);
    assert.equal(config?.connectEnabled, true, 'Connect itself stays on');
  });

  it('refuse a value that is not a boolean, and warn about an unknown key', () => {
    const { config, errors } = validate({ connect: { managed_proxies: 'no', close_revoked_connections: 1 } });
    assert.equal(config, null);
    assert.deepEqual(errors, [
      'c.hcl: connect.managed_proxies: expected true or false, got "no"',
      'c.hcl: connect.close_revoked_connections: expected true or false, got 1',
    ]);
    const unknown = validate({ connect: { managed_proxy: false } });
    assert.deepEqual(unknown.warnings, ['c.hcl: unknown key "connect.managed_proxy"']);
  });
});
