// Proves that service meta in config files is checked at validation with the catalog's rules (Consul's
// ServiceDefinition.Validate): `lattice validate` used to say "Configuration is valid!" for meta the agent then
// refused when it registered the service at start ("Error starting agent: Validation failed: Invalid Service
// Meta ..."), so a config that validated could not start. node_meta likewise (Consul's builder refuses it; it
// used to be accepted, reserved consul- keys included).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem } from './problems.js';
import { testEnvironment } from './testing.js';
import { type ConfigInit, validateConfig } from './validate.js';

const base: ConfigInit = { sourceName: 'base.json', values: { data_dir: '/var/lib/lattice' } };

function errors(services: unknown[]): string[] {
  const result = validateConfig([base, { sourceName: 's.json', values: { services } }], {
    devMode: false,
    environment: testEnvironment,
  });
  return result.errors.map(formatProblem);
}

describe('service meta at validation', () => {
  it('refuses keys and values the catalog refuses, naming file and key', () => {
    assert.deepEqual(errors([{ name: 'web', meta: { 'bad key!': 'v' } }]), [
      's.json: services[0].meta: Key contains invalid characters',
    ]);
    assert.deepEqual(errors([{ name: 'web', meta: { 'consul-x': 'v' } }]), [
      "s.json: services[0].meta: Key prefix 'consul-' is reserved for internal use",
    ]);
    assert.deepEqual(errors([{ name: 'web', meta: { k: 'v'.repeat(513) } }]), [
      's.json: services[0].meta: Value is too long (limit: 512 characters)',
    ]);
  });

  it('accepts ordinary meta, and a sidecar that inherits it', () => {
    assert.deepEqual(
      errors([{ name: 'web', port: 80, meta: { version: '2.1', team_a: 'x' }, connect: { sidecar_service: {} } }]),
      [],
    );
  });

  it('refuses node_meta the catalog refuses, naming file and key', () => {
    const result = validateConfig(
      [base, { sourceName: 'n.json', values: { node_meta: { rack: 'r1', 'consul-x': '9' } } }],
      { devMode: false, environment: testEnvironment },
    );
    assert.deepEqual(result.errors.map(formatProblem), [
      "n.json: node_meta: Key prefix 'consul-' is reserved for internal use",
    ]);
    const fine = validateConfig([base, { sourceName: 'n.json', values: { node_meta: { rack: 'r1' } } }], {
      devMode: false,
      environment: testEnvironment,
    });
    assert.deepEqual(fine.errors, []);
    assert.deepEqual(fine.config?.nodeMeta, { rack: 'r1' });
  });
});
