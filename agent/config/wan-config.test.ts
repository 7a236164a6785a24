// Proves the WAN pool's configuration keys on real files: retry_join_wan / start_join_wan take host or host:port
// (IPv6 in brackets) and refuse anything else naming the key and the file; only servers join the WAN (start_join_wan
// on a client is an error, retry_join_wan a warning, as Consul's retry loop only warns); joining with
// ports.serf_wan = -1 is refused; serf_wan (-serf-wan-bind) sets the WAN bind address and the port-collision check
// uses it; a misspelt WAN key is a warning naming the file.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { checkJoinAddress } from './field-checks.js';
import { flagsSourceName, flagsToConfig } from './flags.js';
import { loadConfig } from './load.js';
import { formatProblem, ProblemList } from './problems.js';
import { type ConfigDir, testEnvironment, writeConfigDir } from './testing.js';

const dirs: ConfigDir[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => dir.remove()));
});

async function loadFile(content: string, name = 'wan.hcl') {
  const dir = await writeConfigDir({ [name]: `data_dir = "/data"\n${content}` });
  dirs.push(dir);
  const result = await loadConfig({ configPaths: [dir.path], devMode: false, environment: testEnvironment });
  return {
    ...result,
    file: dir.file(name),
    messages: result.errors.map(formatProblem),
    warningMessages: result.warnings.map(formatProblem),
  };
}

describe('join addresses', () => {
  it('accepts a host or IP with an optional port', () => {
    for (const good of ['10.0.0.1', '10.0.0.1:8302', 'dc2-server.example.com', 'server-1:9302', '::1', '[::1]:8302'])
      assert.equal(checkJoinAddress(good), null, good);
  });

  it('refuses what cannot be one address, saying why', () => {
    const cases: [string, RegExp][] = [
      ['', /must not be empty/],
      ['  ', /must not be empty/],
      ['10.0.0.1:0', /port from 1 to 65535/],
      ['10.0.0.1:70000', /port from 1 to 65535/],
      ['10.0.0.1:http', /port from 1 to 65535/],
      ['[::1]:', /port from 1 to 65535/],
      ['[10.0.0.1]:8302', /IPv6 address inside brackets/],
      ['a b', /one address/],
      ['under_score!', /host name or IP address/],
      ['provider=aws tag_key=consul', /cloud auto-join .* not implemented yet/],
      ['{{ GetPrivateIP }}', /templates are not supported/],
    ];
    for (const [bad, message] of cases) assert.match(checkJoinAddress(bad) ?? 'accepted', message, bad);
  });
});

describe('WAN keys in config files', () => {
  it('reads retry_join_wan, start_join_wan and the WAN bind address on a server', async () => {
    const result = await loadFile(
      [
        'server = true',
        'bootstrap_expect = 1',
        'bind_addr = "10.0.0.5"',
        'serf_wan = "192.0.2.5"',
        'advertise_addr_wan = "198.51.100.5"',
        'retry_join_wan = ["192.0.2.10", "[2001:db8::1]:8302"]',
        'start_join_wan = ["192.0.2.11:9302"]',
        'retry_interval_wan = "5s"',
        'retry_max_wan = 3',
      ].join('\n'),
    );
    assert.deepEqual(result.messages, []);
    assert.deepEqual(result.warningMessages, []);
    const config = result.config!;
    assert.deepEqual(config.retryJoinWan, ['192.0.2.10', '[2001:db8::1]:8302']);
    assert.deepEqual(config.startJoinWan, ['192.0.2.11:9302']);
    assert.equal(config.serfWanBindAddr, '192.0.2.5');
    assert.equal(config.advertiseAddrWan, '198.51.100.5');
    assert.deepEqual([config.retryIntervalWanMs, config.retryMaxWan], [5_000, 3]);
  });

  it('binds the WAN pool to bind_addr when serf_wan is not set', async () => {
    const result = await loadFile('server = true\nbootstrap_expect = 1\nbind_addr = "10.0.0.5"');
    assert.equal(result.config?.serfWanBindAddr, '10.0.0.5');
  });

  it('refuses a bad WAN join address, naming the key and the file, and starts nothing', async () => {
    const result = await loadFile('server = true\nbootstrap_expect = 1\nretry_join_wan = ["10.0.0.1:99999"]');
    assert.equal(result.config, null);
    assert.equal(result.messages.length, 1, result.messages.join('\n'));
    assert.match(result.messages[0]!, /^.*wan\.hcl: retry_join_wan\[0\]: expected a port from 1 to 65535/);
    assert.ok(result.messages[0]!.startsWith(result.file), result.messages[0]);
  });

  it('refuses start_join_wan on a client agent and warns about retry_join_wan there', async () => {
    const refused = await loadFile('start_join_wan = ["10.0.0.1"]');
    assert.equal(refused.config, null);
    assert.deepEqual(refused.messages, [
      `${refused.file}: start_join_wan: only servers join the WAN pool: set server = true`,
    ]);
    const warned = await loadFile('retry_join_wan = ["10.0.0.1"]');
    assert.deepEqual(warned.messages, []);
    assert.deepEqual(warned.warningMessages, [
      `${warned.file}: retry_join_wan: ignored: only servers join the WAN pool (Must be a server to join WAN cluster)`,
    ]);
  });

  it('refuses WAN joins when ports.serf_wan = -1 turns the pool off', async () => {
    const result = await loadFile(
      'server = true\nbootstrap_expect = 1\nports { serf_wan = -1 }\nretry_join_wan = ["10.0.0.1"]',
    );
    assert.deepEqual(result.messages, [
      `${result.file}: retry_join_wan: the WAN pool is turned off (ports.serf_wan = -1): nothing to join`,
    ]);
  });

  it('checks the WAN port against the other listeners on the WAN bind address', async () => {
    const clash = await loadFile(
      'server = true\nbootstrap_expect = 1\nbind_addr = "10.0.0.5"\nports { serf_wan = 8301 }',
    );
    assert.match(
      clash.messages.join('\n'),
      /ports\.serf_wan: port 8301 on 10\.0\.0\.5 is also used by ports\.serf_lan/,
    );
    const apart = await loadFile(
      'server = true\nbootstrap_expect = 1\nbind_addr = "10.0.0.5"\nserf_wan = "10.0.0.6"\nports { serf_wan = 8301 }',
    );
    assert.deepEqual(apart.messages, [], 'another address: no collision');
  });

  it('refuses a serf_wan that is not an IP address and warns on a misspelt WAN key', async () => {
    const bad = await loadFile('server = true\nbootstrap_expect = 1\nserf_wan = "wan.example.com"');
    assert.match(bad.messages.join('\n'), /wan\.hcl: serf_wan: expected an IP address, got "wan\.example\.com"/);
    const typo = await loadFile('server = true\nbootstrap_expect = 1\nretry_join_wna = ["10.0.0.1"]');
    assert.deepEqual(typo.messages, []);
    assert.match(typo.warningMessages.join('\n'), /wan\.hcl: unknown key "retry_join_wna"/);
  });

  it('maps -serf-wan-bind, -join-wan and -retry-join-wan onto the config keys', () => {
    const values = flagsToConfig(
      { serfWanBind: '192.0.2.5', joinWan: ['192.0.2.11'], retryJoinWan: ['192.0.2.10'] },
      new ProblemList(),
    );
    assert.deepEqual(values, {
      serf_wan: '192.0.2.5',
      start_join_wan: ['192.0.2.11'],
      retry_join_wan: ['192.0.2.10'],
    });
    assert.equal(flagsSourceName, 'command-line flags');
  });
});
