// Proves the keyring's rules (key sizes, primary first, install/use/remove, the primary cannot be removed) and
// the keyring file: atomic JSON list, precedence over `encrypt`, clear errors for a broken file.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeKey, Keyring, KeyringError } from './keyring.js';
import { loadKeyring, localKeyringPath, readKeyringFile, writeKeyringFile } from './keyring-file.js';

const key = (size = 32): string => randomBytes(size).toString('base64');

describe('decodeKey', () => {
  for (const size of [16, 24, 32]) {
    it(`accepts a ${size}-byte key`, () => assert.equal(decodeKey(key(size)).length, size));
  }
  const bad: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['not base64', 'not a key!', /not valid base64/],
    ['8 bytes', key(8), /8 bytes; it must be 16, 24 or 32/],
    ['33 bytes', key(33), /33 bytes/],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses ${name}`, () =>
      assert.throws(
        () => decodeKey(text),
        (error: Error) => {
          assert.ok(error instanceof KeyringError);
          assert.match(error.message, message);
          return true;
        },
      ));
  }
});

describe('Keyring', () => {
  it('keeps the first key primary and folds duplicates', () => {
    const [a, b] = [key(), key()];
    const ring = new Keyring([a, b, a]);
    assert.deepEqual(ring.list(), [a, b]);
    assert.equal(ring.primaryKeyBase64(), a);
    assert.equal(ring.keys().length, 2);
  });
  it('rotates: install, use, remove the old key', () => {
    const [old, fresh] = [key(), key()];
    const ring = new Keyring([old]);
    assert.equal(ring.install(fresh), true);
    assert.equal(ring.install(fresh), false);
    assert.equal(ring.primaryKeyBase64(), old);
    assert.equal(ring.use(fresh), true);
    assert.deepEqual(ring.list(), [fresh, old]);
    assert.equal(ring.remove(old), true);
    assert.deepEqual(ring.list(), [fresh]);
    assert.equal(ring.remove(old), false);
  });
  it('refuses to remove the primary key', () => {
    const ring = new Keyring([key()]);
    assert.throws(() => ring.remove(ring.primaryKeyBase64()), /removing the primary key is not allowed/);
  });
  it('refuses to use a key that is not installed', () => {
    const ring = new Keyring([key()]);
    assert.throws(() => ring.use(key()), /not in the keyring/);
  });
  it('refuses an empty keyring and reports every bad key at once', () => {
    assert.throws(() => new Keyring([]), /at least one key/);
    assert.throws(() => new Keyring(['x', key(8)]), /not valid base64.*8 bytes/);
  });
});

describe('keyring file', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lattice-keyring-'));
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('writes a JSON list, primary first, mode 0600, leaving no temp file', async () => {
    const path = localKeyringPath(join(dataDir, 'a'));
    const ring = new Keyring([key(), key(16)]);
    await writeKeyringFile(path, ring);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), ring.list());
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dataDir, 'a', 'serf')), ['local.keyring']);
    assert.deepEqual((await readKeyringFile(path))?.list(), ring.list());
  });
  it('returns null when there is no file', async () => {
    assert.equal(await readKeyringFile(join(dataDir, 'none', 'local.keyring')), null);
  });
  it('seeds the file from encrypt, then the file wins over a different encrypt', async () => {
    const path = localKeyringPath(join(dataDir, 'b'));
    const first = key();
    const seeded = await loadKeyring(path, first);
    assert.equal(seeded.origin, 'encrypt');
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), [first]);
    const later = await loadKeyring(path, key());
    assert.equal(later.origin, 'file');
    assert.equal(later.encryptIgnored, true);
    assert.equal(later.keyring?.primaryKeyBase64(), first);
  });
  it('has no keyring without file or encrypt', async () => {
    assert.deepEqual(await loadKeyring(localKeyringPath(join(dataDir, 'c')), undefined), {
      keyring: null,
      origin: 'none',
      encryptIgnored: false,
    });
  });
  const broken: [string, string, RegExp][] = [
    ['not JSON', '{', /not valid JSON/],
    ['not a list', '{"a":1}', /JSON list of base64 keys/],
    ['a bad key', '["abc="]', /invalid keyring/],
  ];
  for (const [name, content, message] of broken) {
    it(`refuses a file that is ${name}`, async () => {
      const path = join(dataDir, `${name.replaceAll(' ', '-')}.keyring`);
      await writeFile(path, content);
      await assert.rejects(readKeyringFile(path), message);
    });
  }
});
