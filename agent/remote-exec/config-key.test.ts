// disable_remote_exec as the agent reads it: true unless set (Consul's default since 0.8, also in -dev), false
// when an operator opts in through a file or -hcl, and a value that is not a boolean refused naming the key.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import { testEnvironment } from '../config/testing.js';

async function load(hclFragments: string[], devMode = false) {
  // A data_dir, which a non-dev agent needs; -dev keeps its data in memory.
  const fragments = devMode ? hclFragments : ['data_dir = "/var/lib/lattice"', ...hclFragments];
  const result = await loadConfig({ configPaths: [], devMode, environment: testEnvironment, hclFragments: fragments });
  return { config: result.config, messages: result.errors.map(formatProblem) };
}

describe('disable_remote_exec', () => {
  it('defaults to true, in -dev too', async () => {
    assert.equal((await load([])).config?.disableRemoteExec, true);
    assert.equal((await load([], true)).config?.disableRemoteExec, true);
  });

  it('is false when set so', async () => {
    assert.equal((await load(['disable_remote_exec = false'])).config?.disableRemoteExec, false);
  });

  it('refuses a value that is not a boolean, naming the key', async () => {
    const { config, messages } = await load(['disable_remote_exec = "maybe"']);
    assert.equal(config, null);
    assert.ok(
      messages.some((message) => message.includes('disable_remote_exec')),
      messages.join('\n'),
    );
  });
});
