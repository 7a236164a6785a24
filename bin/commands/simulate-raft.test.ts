// Proves `lattice simulate raft` end to end on the compiled CLI: a seed runs, prints a JSON result with the
// replay command, exits 0 on success; bad flags are refused; failure kinds map to distinct exit codes.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simulateRaftExitCodes } from './simulate-raft.js';

const lattice = join(new URL('..', import.meta.url).pathname, 'lattice.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [lattice, 'simulate', 'raft', ...args], { encoding: 'utf8' });
}

describe('lattice simulate raft', () => {
  it('runs a seed and prints JSON with the replay command', () => {
    const result = run(['--seed', '3', '--nodes', '3', '--ticks', '100', '--format', 'json']);
    assert.equal(result.status, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; replay: string; seed: number };
    assert.equal(parsed.ok, true);
    assert.equal(parsed.seed, 3);
    assert.equal(parsed.replay, 'lattice simulate raft --seed 3 --nodes 3 --ticks 100');
  });

  it('prints a readable summary with the verdict', () => {
    const result = run(['--seed', '4', '--ticks', '100']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^verdict: ok/m);
    assert.match(result.stdout, /^leaders per term: /m);
  });

  it('refuses a bad seed', () => {
    const result = run(['--seed', 'abc']);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /--seed must be an integer/);
  });

  it('gives each failure kind its own exit code', () => {
    const codes = Object.values(simulateRaftExitCodes);
    assert.equal(new Set(codes).size, codes.length);
    assert.ok(
      codes.every((code) => code > 1),
      '0 is success and 1 is a usage or internal error',
    );
  });
});
