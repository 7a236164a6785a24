// Go's boolean flags for `lattice exec`: `-shell=false` / `-verbose=true` become commander's `--no-shell` /
// `--verbose`, a bare `-verbose` never takes the next word, and nothing after the first command word (or `-`, or
// `--`) is rewritten, skipping the values of flags that take one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatticeError } from '../../lib/errors.js';
import { rewriteGoBooleanFlags } from './exec-argv.js';

const shapes = {
  booleans: ['--shell', '--verbose'],
  takesValue: (name: string) => ['--node', '--wait', '--http-addr'].includes(name),
};

describe('rewriteGoBooleanFlags', () => {
  const table: [string[], string[]][] = [
    [
      ['--shell=false', 'ls', '-la'],
      ['--no-shell', 'ls', '-la'],
    ],
    [
      ['--verbose=true', '--shell=1', 'uptime'],
      ['--verbose', '--shell', 'uptime'],
    ],
    [
      ['--verbose', 'uptime'],
      ['--verbose', 'uptime'],
    ],
    [
      ['--node', '--shell=false', '--verbose=F', 'id'],
      ['--node', '--shell=false', '--no-verbose', 'id'],
    ],
    [
      ['--wait=1s', 'echo', '--shell=false'],
      ['--wait=1s', 'echo', '--shell=false'],
    ],
    [
      ['-', '--verbose=false'],
      ['-', '--verbose=false'],
    ],
    [
      ['--', '--shell=false'],
      ['--', '--shell=false'],
    ],
  ];
  for (const [argv, expected] of table)
    it(`${argv.join(' ')} → ${expected.join(' ')}`, () => {
      assert.deepEqual(rewriteGoBooleanFlags(argv, shapes), expected);
    });

  it('refuses a boolean value Go would refuse', () => {
    assert.throws(() => rewriteGoBooleanFlags(['--shell=nope', 'id'], shapes), LatticeError);
  });
});
