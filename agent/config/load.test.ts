// Proves loadConfig on real files in a temporary directory: formats chosen by extension or -config-format,
// directories read in lexical order (other files and subdirectories skipped), command-line order between
// -config-file and -config-dir, flags and -hcl fragments over files, and a table of broken files each giving
// the exact message that names the file and the key.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { flagsSourceName, flagsToConfig } from './flags.js';
import { loadConfig } from './load.js';
import { formatProblem, ProblemList } from './problems.js';
import { type ConfigDir, testEnvironment, writeConfigDir } from './testing.js';

const dirs: ConfigDir[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => dir.remove()));
});

async function configDir(files: Record<string, string>): Promise<ConfigDir> {
  const dir = await writeConfigDir(files);
  dirs.push(dir);
  return dir;
}

async function load(configPaths: string[], extra: Partial<Parameters<typeof loadConfig>[0]> = {}) {
  const result = await loadConfig({ configPaths, devMode: false, environment: testEnvironment, ...extra });
  return { ...result, messages: result.errors.map(formatProblem), warningMessages: result.warnings.map(formatProblem) };
}

describe('loadConfig sources', () => {
  it('reads JSON, HCL and YAML and merges a directory in lexical order', async () => {
    const dir = await configDir({
      '10-base.hcl': 'data_dir = "/data"\ndatacenter = "first"\nretry_join = ["a"]\nports { http = 9500 }\n',
      '20-override.json': '{"datacenter": "second", "retry_join": ["b"]}',
      '30-last.yaml': 'datacenter: third\nretry_join: [c]\n',
      '2-sorts-before-3.json': '{"node_name": "early"}',
      'notes.txt': 'not config',
      'sub/ignored.json': '{"datacenter": "from-subdir"}',
    });
    const result = await load([dir.path]);
    assert.deepEqual(result.messages, []);
    assert.equal(result.config?.datacenter, 'third');
    assert.deepEqual(result.config?.retryJoin, ['a', 'b', 'c']);
    assert.equal(result.config?.ports.http, 9500);
    assert.equal(result.config?.nodeName, 'early');
  });

  it('merges -config-file and -config-dir in command-line order', async () => {
    const dir = await configDir({ 'd/a.json': '{"datacenter": "from-dir"}', 'f.json': '{"datacenter": "from-file"}' });
    const base = (await configDir({ 'base.json': '{"data_dir": "/d"}' })).file('base.json');
    assert.equal((await load([base, dir.file('d'), dir.file('f.json')])).config?.datacenter, 'from-file');
    assert.equal((await load([base, dir.file('f.json'), dir.file('d')])).config?.datacenter, 'from-dir');
  });

  it('concatenates services from several files and keeps each file name', async () => {
    const dir = await configDir({
      'a.hcl': 'data_dir = "/d"\nservice {\n  name = "web"\n  port = 80\n}\nservice {\n  name = "db"\n}\n',
      'b.json': '{"services": [{"name": "api"}], "service": {"name": "cache"}}',
    });
    const result = await load([dir.path]);
    assert.deepEqual(
      result.config?.services.map((service) => [service.id, service.sourceName]),
      [
        ['web', dir.file('a.hcl')],
        ['db', dir.file('a.hcl')],
        ['api', dir.file('b.json')],
        ['cache', dir.file('b.json')],
      ],
    );
  });

  it('reads one-line HCL blocks and repeated keys as Consul does', async () => {
    const dir = await configDir({
      'a.hcl':
        'data_dir = "/d"\nservice { name = "web" check { tcp = "127.0.0.1:80" interval = "10s" } }\nlog_level = "WARN"\nlog_level = "ERROR"\n',
    });
    const result = await load([dir.path]);
    assert.deepEqual(result.messages, []);
    assert.equal(result.config?.services[0]?.checks[0]?.kind, 'tcp');
    assert.equal(result.config?.logLevel, 'error');
  });

  it('forces the format with -config-format, extension or not', async () => {
    const dir = await configDir({ 'agent.conf': 'data_dir = "/d"\ndatacenter = "hcl-dc"\n' });
    assert.equal((await load([dir.file('agent.conf')], { configFormat: 'hcl' })).config?.datacenter, 'hcl-dc');
    assert.deepEqual((await load([dir.file('agent.conf')])).messages, [
      `${dir.file('agent.conf')}: unknown file type: name it .json, .hcl, .yaml or .yml, or pass -config-format`,
    ]);
    assert.deepEqual((await load([dir.path], { configFormat: 'toml' })).messages.slice(0, 1), [
      'command-line flags: config-format: expected json, hcl or yaml, got "toml"',
    ]);
  });

  it('lets flags override files, and -hcl fragments override flags', async () => {
    const dir = await configDir({
      'a.json': '{"data_dir": "/d", "datacenter": "file", "node_name": "file", "log_level": "WARN"}',
    });
    const problems = new ProblemList();
    const flagValues = flagsToConfig(
      { datacenter: 'flag', node: 'flag-node', httpPort: '18500', retryJoin: ['x'] },
      problems,
    );
    const result = await load([dir.path], { flagValues, hclFragments: ['node_name = "hcl-node"'], problems });
    assert.deepEqual(result.messages, []);
    assert.equal(result.config?.datacenter, 'flag');
    assert.equal(result.config?.nodeName, 'hcl-node');
    assert.equal(result.config?.ports.http, 18500);
    assert.equal(result.config?.logLevel, 'warn');
  });

  it('reports a bad flag value under the flags source', async () => {
    const problems = new ProblemList();
    const flagValues = flagsToConfig({ httpPort: 'abc', nodeMeta: ['nocolon'] }, problems);
    const result = await load([], { flagValues, devMode: true, problems });
    assert.deepEqual(result.messages, [
      `${flagsSourceName}: node_meta: -node-meta expects key:value, got "nocolon"`,
      `${flagsSourceName}: ports.http: expected an integer port 1-65535 or -1, got "abc"`,
    ]);
  });
});

describe('loadConfig broken files', () => {
  const cases: { name: string; files: Record<string, string>; errors: (dir: ConfigDir) => string[] }[] = [
    {
      name: 'JSON syntax',
      files: { 'a.json': '{"datacenter": "dc1",}' },
      errors: (dir) => [
        `${dir.file('a.json')}: invalid JSON: Expected double-quoted property name (line 1, column 22)`,
      ],
    },
    {
      name: 'HCL syntax',
      files: { 'a.hcl': 'ports {\n  http = 8500\n' },
      errors: (dir) => [
        `${dir.file('a.hcl')}: invalid HCL: object expected closing RBRACE got: EOF (line 3, column 2)`,
      ],
    },
    {
      name: 'YAML syntax',
      files: { 'a.yaml': 'datacenter: dc1\nports: [1, 2\n' },
      errors: (dir) => [
        `${dir.file('a.yaml')}: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (line 3, column 1)`,
      ],
    },
    {
      name: 'a YAML key given twice',
      files: { 'a.yml': 'a: 1\na: 2\n' },
      errors: (dir) => [`${dir.file('a.yml')}: invalid YAML: Map keys must be unique (line 2, column 1)`],
    },
    {
      name: 'a top level that is not an object',
      files: { 'a.json': '[1, 2]' },
      errors: (dir) => [`${dir.file('a.json')}: expected an object of config keys at the top level`],
    },
    {
      name: 'a wrong type in HCL',
      files: { 'server.hcl': 'data_dir = "/d"\nports {\n  http = "abc"\n}\n' },
      errors: (dir) => [`${dir.file('server.hcl')}: ports.http: expected an integer port 1-65535 or -1, got "abc"`],
    },
    {
      name: 'a bad duration in a service check',
      files: {
        'a.json': '{"data_dir": "/d", "services": [{"name": "web", "check": {"http": "http://x", "interval": "10x"}}]}',
      },
      errors: (dir) => [`${dir.file('a.json')}: services[0].check.interval: invalid duration "10x"`],
    },
    {
      name: 'a bad duration in an HCL service block, named without a list position',
      files: {
        'web.hcl':
          'data_dir = "/d"\nservice {\n  name = "web"\n  check {\n    tcp = "x:1"\n    interval = "10x"\n  }\n}\n',
      },
      errors: (dir) => [`${dir.file('web.hcl')}: service.check.interval: invalid duration "10x"`],
    },
    {
      name: 'a bad gossip key',
      files: { 'a.hcl': 'data_dir = "/d"\nencrypt = "not base64!"\n' },
      errors: (dir) => [`${dir.file('a.hcl')}: encrypt: expected a base64-encoded key`],
    },
    {
      name: 'port conflicts across files',
      files: { 'a.json': '{"data_dir": "/d", "ports": {"http": 9000}}', 'b.json': '{"ports": {"dns": 9000}}' },
      errors: (dir) => [
        `${dir.file('b.json')}: ports.dns: port 9000 on 127.0.0.1 is also used by ports.http (set in ${dir.file('a.json')})`,
      ],
    },
    {
      name: 'duplicate service IDs across files',
      files: { 'a.hcl': 'data_dir = "/d"\nservice {\n  name = "web"\n}\n', 'b.yaml': 'services:\n  - name: web\n' },
      errors: (dir) => [
        `${dir.file('b.yaml')}: services[0].id: duplicate service ID "web" (first defined in ${dir.file('a.hcl')})`,
      ],
    },
    {
      name: 'several problems in several files',
      files: {
        'a.json': '{"data_dir": "/d", "bootstrap_expect": -1, "log_level": "LOUD"}',
        'b.hcl': 'node_id = "nope"\nreconnect_timeout = "1h"\n',
      },
      errors: (dir) => [
        `${dir.file('a.json')}: bootstrap_expect: expected an integer that is not negative, got -1`,
        `${dir.file('a.json')}: log_level: expected one of TRACE, DEBUG, INFO, WARN, ERROR, got "LOUD"`,
        `${dir.file('b.hcl')}: node_id: expected a UUID such as "adf4238a-882b-9ddc-4a9d-5b6758e4159e", got "nope"`,
        `${dir.file('b.hcl')}: reconnect_timeout: must be at least 8h, got "1h"`,
      ],
    },
    {
      name: 'a missing path',
      files: {},
      errors: (dir) => [`${dir.file('missing.json')}: cannot read: no such file or directory`],
    },
  ];
  for (const testCase of cases) {
    it(`reports ${testCase.name}`, async () => {
      const dir = await configDir(testCase.files);
      const paths = Object.keys(testCase.files).length === 0 ? [dir.file('missing.json')] : [dir.path];
      const result = await load(paths);
      assert.deepEqual(result.messages, testCase.errors(dir));
      assert.equal(result.config, null);
    });
  }

  it('warns about unknown keys with the file name and starts anyway', async () => {
    const dir = await configDir({ 'a.hcl': 'data_dir = "/d"\nx = 1\n' });
    const result = await load([dir.path]);
    assert.deepEqual(result.warningMessages, [`${dir.file('a.hcl')}: unknown key "x"`]);
    assert.ok(result.config);
  });
});
