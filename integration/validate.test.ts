// Proves `lattice validate` through the real binary: the shipped examples pass (merged as a directory and in the
// documented server/client combinations), and a directory of broken files exits 1 listing every error with its
// file and key, plus the unknown-key warning.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repositoryRoot, runLattice } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const examples = join(repositoryRoot, 'examples');
const temporary: TempDir[] = [];
after(async () => {
  await Promise.all(temporary.map((dir) => dir.remove()));
});

describe('lattice validate', () => {
  it('accepts examples/', async () => {
    const result = await runLattice(['validate', 'examples/']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Configuration is valid!\n');
    assert.equal(result.stderr, '');
  });

  for (const agentFile of ['server.hcl', 'client.json']) {
    it(`accepts ${agentFile} with both service definitions, as examples/README.md says`, async () => {
      const files = [agentFile, 'web.hcl', 'api.yaml'].map((name) => join(examples, name));
      const result = await runLattice(['validate', ...files]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'Configuration is valid!\n');
    });
  }

  it('takes Consul-style single-dash flags', async () => {
    const result = await runLattice(['validate', '-quiet', '-config-format=hcl', join(examples, 'server.hcl')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
  });

  it('rejects a broken directory with every error and exit status 1', async () => {
    const dir = await makeTempDir({
      '1-syntax.json': '{"datacenter": "dc1",,}',
      '2-types.hcl': 'data_dir = "/d"\nports {\n  http = "abc"\n}\nunknown_thing = true\n',
      '3-services.yaml':
        'services:\n  - name: web\n    check:\n      http: http://127.0.0.1/health\n      interval: 10x\n',
      '4-conflict.json': '{"ports": {"dns": 8300}, "server": true}',
    });
    temporary.push(dir);
    const result = await runLattice(['validate', dir.path]);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.deepEqual(lines, [
      `Warning: ${dir.file('2-types.hcl')}: unknown key "unknown_thing"`,
      'Config validation failed (4 errors):',
      `  ${dir.file('1-syntax.json')}: invalid JSON: Expected double-quoted property name (line 1, column 22)`,
      `  ${dir.file('2-types.hcl')}: ports.http: expected an integer port 1-65535 or -1, got "abc"`,
      `  ${dir.file('3-services.yaml')}: services[0].check.interval: invalid duration "10x"`,
      `  ${dir.file('4-conflict.json')}: ports.dns: port 8300 on 127.0.0.1 is also used by ports.server (set in defaults)`,
    ]);
  });

  it('prints help', async () => {
    const result = await runLattice(['validate', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Usage: lattice validate \[options\] <paths\.\.\.>/);
  });
});
