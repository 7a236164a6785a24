// The waiting half of `lattice exec` against a scripted result stream: output and exit lines print as they come,
// the summary comes once nothing arrived for the quiet wait, and the exit status is Consul's: 0 when every node
// that acknowledged exited 0, 2 when one exited non-zero or never exited, 1 when the results cannot be read.
// The quiet wait is a few milliseconds so the tests are quick; nothing here asserts on durations.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResultSink } from './exec-results.js';
import { waitForJob } from './exec-wait.js';

async function waitWith(script: (sink: ResultSink) => void, failure?: Error) {
  let stdout = '';
  let stderr = '';
  const status = await waitForJob({
    quietWaitMs: 20,
    verbose: false,
    write: (text) => {
      stdout += text;
    },
    writeError: (text) => {
      stderr += text;
    },
    stream: async (sink) => {
      script(sink);
      if (failure) throw failure;
    },
    interrupted: new AbortController().signal,
  });
  return { status, stdout, stderr };
}

describe('waitForJob', () => {
  it('prints output, the exit line and the summary; exit 0 when all nodes exited 0', async () => {
    const result = await waitWith((sink) => {
      sink.ack('a');
      sink.output('a', Buffer.from('hi\n'));
      sink.exit('a', 0);
    });
    assert.equal(result.status, 0);
    assert.equal(
      result.stdout,
      '    a: hi\n    a:\n==> a: finished with exit code 0\n1 / 1 node(s) completed / acknowledged\n',
    );
  });

  it('exits 2 when a node exits non-zero', async () => {
    const result = await waitWith((sink) => {
      sink.ack('a');
      sink.exit('a', 3);
    });
    assert.equal(result.status, 2);
  });

  it('exits 2 when a node acknowledged but never exited', async () => {
    const result = await waitWith((sink) => {
      sink.ack('a');
      sink.ack('b');
      sink.exit('b', 0);
    });
    assert.equal(result.status, 2);
    assert.match(result.stdout, /1 \/ 2 node\(s\) completed \/ acknowledged\n$/);
  });

  it('reports 0 / 0 and exits 0 when no node answered', async () => {
    const result = await waitWith(() => undefined);
    assert.deepEqual(result, { status: 0, stdout: '0 / 0 node(s) completed / acknowledged\n', stderr: '' });
  });

  it('exits 1 when the results cannot be read, and prints problems to stderr', async () => {
    const result = await waitWith(
      (sink) => sink.problem("Unknown key 'x', ignoring."),
      new Error('Failed to read results: boom'),
    );
    assert.equal(result.status, 1);
    assert.equal(result.stderr, "Unknown key 'x', ignoring.\nFailed to read results: boom\n");
  });

  it('exits 1 when interrupted', async () => {
    const interrupted = new AbortController();
    const waiting = waitForJob({
      quietWaitMs: 60_000,
      verbose: false,
      write: () => undefined,
      writeError: () => undefined,
      stream: () => new Promise(() => undefined),
      interrupted: interrupted.signal,
    });
    interrupted.abort();
    assert.equal(await waiting, 1);
  });
});
