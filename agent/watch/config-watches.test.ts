// The `watches` agent config: entries from HCL and JSON files become checked watch plans (lists from several files
// add up, as Consul merges them), bad entries are config errors with Consul's wording and stop the load, and the
// HTTP handler type says it is not implemented.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { testEnvironment, writeConfigDir } from '../config/testing.js';
import { parseConfigWatch } from './config-watches.js';

async function load(files: Record<string, string>) {
  const dir = await writeConfigDir(files);
  try {
    return await loadConfig({
      configPaths: [dir.path],
      devMode: true,
      environment: testEnvironment,
    });
  } finally {
    await dir.remove();
  }
}

describe('watches config', () => {
  it('reads watches from HCL and JSON files and adds the lists up', async () => {
    const result = await load({
      'a.hcl': `watches = [
  { type = "key", key = "app/config", args = ["/usr/local/bin/reload", "--soft"] },
  { type = "service", service = "web", tag = ["v1", "blue"], passingonly = true, handler = "logger web changed" },
]`,
      'b.json': JSON.stringify({ watches: [{ type: 'event', name: 'deploy', args: ['deploy.sh'] }] }),
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.config?.watches, [
      { params: { ...none, type: 'key', key: 'app/config' }, handler: { argv: ['/usr/local/bin/reload', '--soft'] } },
      {
        params: { ...none, type: 'service', service: 'web', tag: ['v1', 'blue'], passingonly: true },
        handler: { script: 'logger web changed' },
      },
      { params: { ...none, type: 'event', name: 'deploy' }, handler: { argv: ['deploy.sh'] } },
    ]);
  });

  it('refuses a bad watch as a config error naming the file', async () => {
    const result = await load({ 'w.json': JSON.stringify({ watches: [{ type: 'key', args: ['x'] }] }) });
    assert.equal(result.config, null);
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0]?.sourceName ?? '', /w\.json$/);
    assert.equal(result.errors[0]?.message, 'watch 1: Failed to parse watch: Must specify a single key to watch');
  });

  it("checks entries with Consul's rules and wording", () => {
    const refusal = (entry: unknown) => parseConfigWatch(entry) as string;
    assert.equal(refusal({ key: 'k', args: ['x'] }), 'Watch type must be specified');
    assert.equal(refusal({ type: 'keys', args: ['x'] }), 'Unsupported watch type: keys');
    assert.equal(refusal({ type: 'nodes' }), 'Must define a watch handler');
    assert.equal(refusal({ type: 'nodes', args: [] }), 'Must define a watch handler');
    assert.equal(refusal({ type: 'nodes', handler: 'a', args: ['b'] }), 'Only one watch handler allowed');
    assert.equal(refusal({ type: 'nodes', args: 'b' }), 'Watch args must be a list of strings');
    assert.equal(refusal({ type: 'nodes', handler: 3 }), 'Watch handler must be a string');
    assert.equal(refusal({ type: 'nodes', args: ['x'], key: 'k' }), 'Invalid parameters: [key]');
    assert.equal(refusal({ type: 'nodes', args: ['x'], colour: 'red' }), 'Invalid parameters: [colour]');
    assert.equal(
      refusal({ type: 'service', service: 'a', passingonly: 'yes', args: ['x'] }),
      'Expecting passingonly to be a boolean',
    );
    assert.equal(refusal({ type: 'nodes', handler_type: 'exec', args: ['x'] }), "Handler type 'exec' not recognized");
    assert.equal(
      refusal({ type: 'nodes', handler_type: 'http' }),
      "Handler type 'http' requires 'http_handler_config' to be set",
    );
    assert.equal(
      refusal({ type: 'nodes', handler_type: 'http', http_handler_config: { method: 'PUT' } }),
      "Failed to parse 'http_handler_config': Requires 'path' to be set",
    );
    assert.equal(
      refusal({ type: 'nodes', handler_type: 'http', http_handler_config: { path: 'http://h' }, args: ['x'] }),
      'Only one watch handler allowed',
    );
    // A script watch does not take http_handler_config.
    assert.equal(
      refusal({ type: 'nodes', args: ['x'], http_handler_config: { path: 'http://h' } }),
      'Invalid parameters: [http_handler_config]',
    );
  });

  it('reads an http handler from HCL blocks and JSON', async () => {
    const result = await load({
      'a.hcl': `watches = [{
  type = "key"
  key = "app/config"
  handler_type = "http"
  http_handler_config {
    path = "https://hooks.internal/consul"
    method = "PUT"
    header = { "x-token" = ["t1"] }
    timeout = "3s"
    tls_skip_verify = true
  }
}]`,
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.config?.watches, [
      {
        params: { ...none, type: 'key', key: 'app/config' },
        handler: {
          http: {
            path: 'https://hooks.internal/consul',
            method: 'PUT',
            timeoutMs: 3_000,
            header: { 'x-token': ['t1'] },
            tlsSkipVerify: true,
          },
        },
      },
    ]);
  });

  it('keeps datacenter, token and stale for the plan', () => {
    assert.deepEqual(parseConfigWatch({ type: 'nodes', args: ['x'], datacenter: 'dc2', token: 't', stale: true }), {
      params: { ...none, type: 'nodes' },
      datacenter: 'dc2',
      token: 't',
      stale: true,
      handler: { argv: ['x'] },
    });
  });
});

const none = {
  key: undefined,
  prefix: undefined,
  service: undefined,
  tag: undefined,
  passingonly: undefined,
  state: undefined,
  name: undefined,
};
