// `lattice kv get|put|delete|export|import` count their words as consul kv does and answer a wrong count with its
// texts and exit 1, before any agent call (the agent address here is unreachable on purpose): commander's
// "error: too many arguments for 'get'..." plus a page of usage was what a script saw instead.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLattice } from './helpers/lattice-process.js';

const unreachable = '-http-addr=127.44.0.29:1';

describe('kv subcommands: argument counts as consul kv', () => {
  const cases: [string[], string][] = [
    [['get', 'a', 'b'], 'Too many arguments (expected 1, got 2)\n'],
    [['put'], 'Error! Missing KEY argument\n'],
    [['put', 'a', 'b', 'c'], 'Error! Too many arguments (expected 1 or 2, got 3)\n'],
    [['delete', 'a', 'b'], 'Too many arguments (expected 1, got 2)\n'],
    [['export', 'a', 'b'], 'Too many arguments (expected 1, got 2)\n'],
    [['import', 'a', 'b'], 'Error! Too many arguments (expected 1, got 2)\n'],
    // consul kv import reads standard input only for `-`: no DATA is a mistake, not an invitation to wait on stdin.
    [['import'], 'Error! Missing DATA argument\n'],
    [['import', ''], 'Error! Empty DATA argument\n'],
  ];
  for (const [words, text] of cases) {
    it(`kv ${words.join(' ')}`, async () => {
      const result = await runLattice(['kv', words[0] as string, unreachable, ...words.slice(1)]);
      assert.deepEqual([result.code, result.stderr, result.stdout], [1, text, '']);
    });
  }
});
