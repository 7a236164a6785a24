// Proves that Consul-style single-dash long flags become commander's double-dash form and nothing else changes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeArgv } from './argv.js';

describe('normalizeArgv', () => {
  it('rewrites single-dash long flags, keeps the rest', () => {
    assert.deepEqual(normalizeArgv(['agent', '-dev', '-config-dir=/x', '--ui', '-h', 'web', '-bind', '127.0.0.2']), [
      'agent',
      '--dev',
      '--config-dir=/x',
      '--ui',
      '-h',
      'web',
      '--bind',
      '127.0.0.2',
    ]);
  });
  it('leaves arguments after -- alone', () => {
    assert.deepEqual(normalizeArgv(['kv', 'put', '-flags=2', 'key', '--', '-c', 'echo -hi']), [
      'kv',
      'put',
      '--flags=2',
      'key',
      '--',
      '-c',
      'echo -hi',
    ]);
  });
  it('leaves lock and watch whole: they stop at their first operand (bin/go-flag-command.ts)', () => {
    const words = ['lock', '-n=2', 'key', 'sh', '-c', 'echo -hi'];
    assert.deepEqual(normalizeArgv(words), words);
  });
  it('does not touch negative numbers or values', () => {
    assert.deepEqual(normalizeArgv(['-5', 'x']), ['-5', 'x']);
  });
});
