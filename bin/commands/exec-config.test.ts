// What `lattice exec` sends, decided before any request: the words joined as the shell command, Args with
// -shell=false, a stdin script for `-`, and Consul's refusals (no command, `-` with -shell=false, a bad filter
// regexp, -tag without -service).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildExecJob, type ExecRequestInit, ExecUsageError } from './exec-config.js';

const init = (over: Partial<ExecRequestInit>): ExecRequestInit => ({
  words: [],
  node: '',
  service: '',
  tag: '',
  shell: true,
  waitMs: 2_000,
  readStdin: async () => {
    throw new Error('stdin must not be read');
  },
  ...over,
});

async function refusal(over: Partial<ExecRequestInit>): Promise<ExecUsageError> {
  try {
    await buildExecJob(init(over));
  } catch (error) {
    assert.ok(error instanceof ExecUsageError);
    return error;
  }
  assert.fail('expected a usage error');
}

describe('buildExecJob', () => {
  it('joins the words into one shell command', async () => {
    assert.deepEqual(await buildExecJob(init({ words: ['echo', 'hi;', 'exit', '3'] })), {
      kind: 'command',
      command: 'echo hi; exit 3',
      waitMs: 2_000,
    });
  });

  it('sends the words as Args with -shell=false', async () => {
    assert.deepEqual(await buildExecJob(init({ words: ['ls', '-la'], shell: false })), {
      kind: 'args',
      args: ['ls', '-la'],
      waitMs: 2_000,
    });
  });

  it('reads a script from stdin for -', async () => {
    const job = await buildExecJob(init({ words: ['-'], readStdin: async () => Buffer.from('uptime\n') }));
    assert.deepEqual(job, { kind: 'script', script: Buffer.from('uptime\n'), waitMs: 2_000 });
  });

  it("refuses what Consul refuses, in Consul's words", async () => {
    const none = await refusal({});
    assert.equal(none.message, 'Must specify a command to execute');
    assert.equal(none.withHelp, true);
    assert.equal((await refusal({ words: ['-'], readStdin: async () => Buffer.alloc(0) })).withHelp, true);
    assert.equal(
      (await refusal({ words: ['-'], shell: false })).message,
      'Cannot configure -shell=false when reading from stdin',
    );
    assert.match((await refusal({ words: ['id'], node: '(' })).message, /^Failed to compile node filter regexp: /);
    assert.match((await refusal({ words: ['id'], service: '[' })).message, /^Failed to compile service filter/);
    assert.equal(
      (await refusal({ words: ['id'], tag: 'v2' })).message,
      'Cannot provide tag filter without service filter.',
    );
  });
});
