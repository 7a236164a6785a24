// Proves the KV helpers the browser and editor rely on: folders by '/', key paths encoded part by part, and
// Consul's base64 values decoded to text only when they are valid UTF-8.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseName, decodeValue, kvPath, parentFolder } from './kv.js';

describe('KV folders', () => {
  it('finds the folder of a key or folder and its last part', () => {
    assert.equal(parentFolder('a/b/c'), 'a/b/');
    assert.equal(parentFolder('a/b/'), 'a/');
    assert.equal(parentFolder('top'), '');
    assert.equal(parentFolder('top/'), '');
    assert.equal(baseName('a/b/c'), 'c');
    assert.equal(baseName('a/b/'), 'b/');
  });

  it('encodes each part of a key path but keeps its slashes', () => {
    assert.equal(kvPath('app/config/a b?c'), '/v1/kv/app/config/a%20b%3Fc');
    assert.equal(kvPath(''), '/v1/kv/');
    assert.equal(kvPath('folder/'), '/v1/kv/folder/');
  });
});

describe('decodeValue', () => {
  it('decodes UTF-8 text, and null or empty as empty text', () => {
    assert.deepEqual(decodeValue(Buffer.from('héllo ✓').toString('base64')), {
      kind: 'text',
      text: 'héllo ✓',
      bytes: 10,
    });
    assert.deepEqual(decodeValue(null), { kind: 'text', text: '', bytes: 0 });
    assert.deepEqual(decodeValue(''), { kind: 'text', text: '', bytes: 0 });
  });

  it('keeps bytes that are not UTF-8 as base64', () => {
    assert.deepEqual(decodeValue('//4AAQ=='), { kind: 'binary', base64: '//4AAQ==', bytes: 4 });
  });
});
