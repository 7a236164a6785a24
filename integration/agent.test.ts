// Proves `lattice agent` through the real binary on a loopback address of its own: -dev serves /v1/agent/self
// in Consul's shape and answers 501 for routes not built yet, writes and removes its PID file, stops on SIGINT
// and SIGTERM with exit status 0, and refuses an invalid configuration with status 1 before listening.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const started: LatticeProcess[] = [];
const temporary: TempDir[] = [];
after(async () => {
  for (const process of started) process.kill();
  await Promise.all(temporary.map((dir) => dir.remove()));
});

function startDevAgent(address: string, extra: string[] = []): LatticeProcess {
  const agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, ...extra]);
  started.push(agent);
  return agent;
}

describe('lattice agent -dev', () => {
  it('serves /v1/agent/self, answers 501 for other /v1 routes, and exits 0 on SIGINT', async () => {
    const dir = await makeTempDir();
    temporary.push(dir);
    const pidFile = dir.file('agent.pid');
    const agent = startDevAgent('127.0.0.12', [`-pid-file=${pidFile}`, '-node=it-node', '-node-meta=rack:r9']);
    const response = await waitForHttp('http://127.0.0.12:8500/v1/agent/self', { process: agent });
    const self = (await response.json()) as Record<string, Record<string, unknown>>;
    assert.equal(self['Config']?.['NodeName'], 'it-node');
    assert.equal(self['Config']?.['Datacenter'], 'dc1');
    assert.equal(self['Config']?.['Server'], true);
    assert.equal(self['Member']?.['Addr'], '127.0.0.12');
    assert.deepEqual(self['Meta'], {
      rack: 'r9',
      'consul-network-segment': '',
      'consul-version': self['Config']?.['Version'],
    });
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(agent.pid));

    // ACLs are off: their routes answer Consul's 401; a Consul endpoint not built yet is a clear 501.
    const acl = await fetch('http://127.0.0.12:8500/v1/acl/policies');
    assert.deepEqual([acl.status, await acl.text()], [401, 'ACL support disabled']);
    const unbuilt = await fetch('http://127.0.0.12:8500/v1/peerings');
    assert.equal(unbuilt.status, 501);
    assert.match(await unbuilt.text(), /not implemented yet/);

    assert.match(agent.stdout, /==> Starting Lattice agent/);
    const result = await agent.stop('SIGINT');
    assert.equal(result.code, 0, agent.output);
    assert.match(result.stderr, /Caught signal: interrupt/);
    assert.equal(existsSync(pidFile), false, 'the PID file is removed on exit');
  });

  it('exits 0 on SIGTERM too', async () => {
    const agent = startDevAgent('127.0.0.13');
    await waitForHttp('http://127.0.0.13:8500/v1/agent/self', { process: agent });
    const result = await agent.stop('SIGTERM');
    assert.equal(result.code, 0, agent.output);
    assert.match(result.stderr, /Caught signal: terminated/);
  });

  it('refuses an invalid configuration with every error and status 1', async () => {
    const dir = await makeTempDir({ 'bad.hcl': 'ports {\n  http = "abc"\n}\nbootstrap_expect = 3\n' });
    temporary.push(dir);
    const result = await runLattice([
      'agent',
      '-dev',
      '-bind=127.0.0.14',
      '-client=127.0.0.14',
      `-config-dir=${dir.path}`,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /bad\.hcl: ports\.http: expected an integer port 1-65535 or -1, got "abc"/);
    assert.match(result.stderr, /bad\.hcl: bootstrap_expect: cannot be combined with bootstrap = true/);
    assert.doesNotMatch(result.stdout, /Starting Lattice agent/);
  });

  it('exits 1 with a clear message when the HTTP port is taken', async () => {
    const first = startDevAgent('127.0.0.15');
    await waitForHttp('http://127.0.0.15:8500/v1/agent/self', { process: first });
    const second = await runLattice(['agent', '-dev', '-bind=127.0.0.16', '-client=127.0.0.15']);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /cannot listen on 127\.0\.0\.15:8500: address already in use/);
    assert.equal((await first.stop()).code, 0);
  });

  it('documents its flags', async () => {
    const result = await runLattice(['agent', '--help']);
    assert.equal(result.code, 0, result.stderr);
    for (const flag of ['--dev', '--config-dir', '--bind', '--client', '--retry-join', '--pid-file', '--hcl']) {
      assert.match(result.stdout, new RegExp(flag));
    }
  });
});
