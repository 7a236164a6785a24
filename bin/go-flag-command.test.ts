// Proves Go's flag rule for `lattice lock` and `lattice watch`: flags before the first operand are rewritten to
// commander's form (values taken from the next word when the option needs one), and every word from the first
// operand on reaches the child untouched, its own flags included; `lock PREFIX sh -c '...'` used to fail with
// "unknown option '-c'" and `lock PREFIX ls -la` ran `ls --la`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { goFlagSubcommand, goFlagsBeforeOperands } from './go-flag-command.js';

describe('goFlagsBeforeOperands', () => {
  const valued = new Set(['--type', '--key', '-n', '--n']);
  const rewrite = (argv: string[]) => goFlagsBeforeOperands(argv, (flag) => valued.has(flag));

  it('rewrites single-dash flags up to the first operand and stops there', () => {
    assert.deepEqual(rewrite(['-type', 'key', '-key=a/b', '-stale', 'sh', '-c', 'cat -n']), [
      '--type',
      'key',
      '--key=a/b',
      '--stale',
      'sh',
      '-c',
      'cat -n',
    ]);
  });

  it("keeps a one-letter short flag and its value, and Go's -n=2", () => {
    assert.deepEqual(rewrite(['-n', '2', 'p', 'ls', '-la']), ['-n', '2', 'p', 'ls', '-la']);
    assert.deepEqual(rewrite(['-n=2', 'p', 'ls', '-la']), ['--n=2', 'p', 'ls', '-la']);
  });

  it('stops at -- and at a lone -', () => {
    assert.deepEqual(rewrite(['-stale', '--', '-x']), ['--stale', '--', '-x']);
    assert.deepEqual(rewrite(['-', '-x']), ['-', '-x']);
  });
});

describe('a GoFlagCommand under commander', () => {
  function parse(argv: string[]) {
    const program = new Command('lattice').exitOverride();
    let seen: { prefix: string; child: string[]; options: Record<string, unknown> } | null = null;
    goFlagSubcommand(program, 'lock')
      .exitOverride()
      .argument('<prefix>')
      .argument('<child...>')
      .option('-n, --n <limit>', 'limit', '1')
      .option('--timeout <duration>', 'timeout', '0s')
      .option('--verbose', 'verbose')
      .action((prefix: string, child: string[], options: Record<string, unknown>) => {
        seen = { prefix, child, options };
      });
    program.parse(argv, { from: 'user' });
    return seen as unknown as { prefix: string; child: string[]; options: Record<string, unknown> };
  }

  it("hands the child its own flags and reads ours in Consul's spellings", () => {
    const parsed = parse(['lock', '-timeout', '5s', '-verbose', '-n=2', 'svc/leader', 'sh', '-c', 'echo -hi']);
    assert.equal(parsed.prefix, 'svc/leader');
    assert.deepEqual(parsed.child, ['sh', '-c', 'echo -hi']);
    assert.deepEqual(parsed.options, { n: '2', timeout: '5s', verbose: true });
    assert.deepEqual(parse(['lock', 'p', 'ls', '-la', '--verbose']).child, ['ls', '-la', '--verbose']);
  });
});
