// Proves Consul's enable_debug key, which mounts the agent's profiling endpoints for `lattice debug`: false by
// default, true in -dev (Consul's DevSource), settable either way, and anything but a boolean refused by name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testEnvironment } from './testing.js';
import { validateConfig } from './validate.js';

function enableDebug(values: Record<string, unknown>, devMode: boolean) {
  return validateConfig([{ sourceName: 'test.hcl', values: { data_dir: '/tmp/x', ...values } }], {
    devMode,
    environment: testEnvironment,
  });
}

describe('enable_debug', () => {
  it('is off by default and on in -dev', () => {
    assert.equal(enableDebug({}, false).config?.enableDebug, false);
    assert.equal(enableDebug({}, true).config?.enableDebug, true);
  });

  it('takes an explicit boolean over either default', () => {
    assert.equal(enableDebug({ enable_debug: true }, false).config?.enableDebug, true);
    assert.equal(enableDebug({ enable_debug: false }, true).config?.enableDebug, false);
  });

  it('refuses a value that is not a boolean, naming the key', () => {
    const result = enableDebug({ enable_debug: 'yes' }, false);
    assert.ok(!result.config, 'no configuration is built');
    assert.deepEqual(
      result.errors.map((error) => [error.key, error.message]),
      [['enable_debug', 'expected true or false, got "yes"']],
    );
  });
});
