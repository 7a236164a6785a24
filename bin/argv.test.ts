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
    assert.deepEqual(normalizeArgv(['lock', '-n=2', 'key', '--', 'sh', '-c', 'echo -hi']), [
      'lock',
      '--n=2',
      'key',
      '--',
      'sh',
      '-c',
      'echo -hi',
    ]);
  });
  it('does not touch negative numbers or values', () => {
    assert.deepEqual(normalizeArgv(['-5', 'x']), ['-5', 'x']);
  });
});
