// Proves that each agent flag lands on Consul's config key, that numbers are parsed only when they are numbers
// (so the checker reports "abc" like a bad file value), and that -node-meta splits at the first colon.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flagsToConfig } from './flags.js';
import { formatProblem, ProblemList } from './problems.js';

describe('flagsToConfig', () => {
  it('maps flags onto config keys', () => {
    const problems = new ProblemList();
    const config = flagsToConfig(
      {
        server: true,
        bootstrapExpect: '3',
        datacenter: 'east',
        node: 'n1',
        bind: '127.0.0.2',
        client: '127.0.0.2 127.0.0.3',
        advertise: '10.0.0.1',
        retryJoin: ['a', 'b'],
        retryInterval: '5s',
        retryMax: '-1',
        join: ['c'],
        dataDir: '/d',
        ui: false,
        logLevel: 'warn',
        logJson: true,
        httpPort: '18500',
        dnsPort: '-1',
        serfLanPort: 'abc',
        recursor: ['8.8.8.8'],
        enableLocalScriptChecks: true,
        nodeMeta: ['url:http://x:1', 'rack:r1'],
      },
      problems,
    );
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(config, {
      server: true,
      bootstrap_expect: 3,
      datacenter: 'east',
      node_name: 'n1',
      bind_addr: '127.0.0.2',
      client_addr: '127.0.0.2 127.0.0.3',
      advertise_addr: '10.0.0.1',
      retry_join: ['a', 'b'],
      retry_interval: '5s',
      retry_max: -1,
      start_join: ['c'],
      data_dir: '/d',
      ui_config: { enabled: false },
      log_level: 'warn',
      log_json: true,
      ports: { http: 18500, dns: -1, serf_lan: 'abc' },
      recursors: ['8.8.8.8'],
      enable_local_script_checks: true,
      node_meta: { url: 'http://x:1', rack: 'r1' },
    });
  });

  it('gives an empty object when no flag is set', () => {
    assert.deepEqual(flagsToConfig({}, new ProblemList()), {});
  });

  it('refuses -node-meta without a key', () => {
    const problems = new ProblemList();
    flagsToConfig({ nodeMeta: [':value', 'novalue'] }, problems);
    assert.deepEqual(problems.errors.map(formatProblem), [
      'command-line flags: node_meta: -node-meta expects key:value, got ":value"',
      'command-line flags: node_meta: -node-meta expects key:value, got "novalue"',
    ]);
  });
});
