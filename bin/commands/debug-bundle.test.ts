// Proves the debug bundle's layout writer and archive: Consul's timestamp names for the default output and the
// interval folders, Go's time text in progress lines, tab-indented JSON, refusal of an existing output directory
// (nothing overwritten), and a .tar.gz whose entries sit under "<bundle>/" with the directory removed afterwards.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { list } from 'tar';
import { archiveBundle } from './debug-archive.js';
import { DebugBundle, debugTimestamp, defaultOutputName, goUtcTimeString, OutputExistsError } from './debug-bundle.js';

/** A fresh directory under the OS temp dir, with `files` written into it. */
async function makeTempDir(files: Readonly<Record<string, string>> = {}) {
  const path = await mkdtemp(join(tmpdir(), 'lattice-debug-test-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(path, name)), { recursive: true });
    await writeFile(join(path, name), content);
  }
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

describe('debug bundle names', () => {
  const at = new Date(Date.UTC(2026, 11, 1, 9, 5, 7, 120));

  it("formats Consul's 2006-01-02T15-04-05Z0700", () => {
    assert.equal(debugTimestamp(at), '2026-12-01T09-05-07Z');
    assert.equal(debugTimestamp(at, 60), '2026-12-01T10-05-07+0100');
    assert.equal(debugTimestamp(at, -330), '2026-12-01T03-35-07-0530');
  });

  it('names the default output lattice-debug-<local time>', () => {
    assert.match(defaultOutputName(at), /^lattice-debug-2026-12-0\dT\d\d-\d\d-07(Z|[+-]\d{4})$/);
  });

  it("prints capture times as Go's Time.String in UTC", () => {
    assert.equal(goUtcTimeString(at), '2026-12-01 09:05:07.12 +0000 UTC');
    assert.equal(goUtcTimeString(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '2026-01-02 03:04:05 +0000 UTC');
  });
});

describe('DebugBundle', () => {
  it('writes tab-indented JSON and interval folders named by UTC time', async () => {
    const dir = await makeTempDir();
    try {
      const bundle = await DebugBundle.create(join(dir.path, 'nested', 'out'));
      await bundle.writeJson('index.json', { Version: 1, Targets: ['agent'] });
      assert.equal(
        readFileSync(bundle.path('index.json'), 'utf8'),
        '{\n\t"Version": 1,\n\t"Targets": [\n\t\t"agent"\n\t]\n}',
      );
      const folder = await bundle.intervalFolder(new Date(Date.UTC(2026, 11, 1, 0, 0, 30)));
      assert.equal(folder, '2026-12-01T00-00-30Z');
      assert.ok(existsSync(bundle.path(folder)));
    } finally {
      await dir.remove();
    }
  });

  it('refuses an output directory that exists and leaves it untouched', async () => {
    const dir = await makeTempDir({ 'out/keep.txt': 'mine' });
    try {
      await assert.rejects(DebugBundle.create(join(dir.path, 'out')), (error: Error) => {
        assert.ok(error instanceof OutputExistsError);
        assert.equal(error.message, `output directory already exists: ${join(dir.path, 'out')}`);
        return true;
      });
      assert.equal(readFileSync(join(dir.path, 'out', 'keep.txt'), 'utf8'), 'mine');
    } finally {
      await dir.remove();
    }
  });

  it('archives to <dir>.tar.gz with entries under the bundle name and removes the directory', async () => {
    const dir = await makeTempDir();
    try {
      const bundleDir = join(dir.path, 'lattice-debug-x');
      await mkdir(join(bundleDir, '2026-12-01T00-00-30Z'), { recursive: true });
      await writeFile(join(bundleDir, 'index.json'), '{}');
      await writeFile(join(bundleDir, '2026-12-01T00-00-30Z', 'heap.json'), '{}');
      const archive = await archiveBundle(bundleDir);
      assert.equal(archive, `${bundleDir}.tar.gz`);
      assert.equal(existsSync(bundleDir), false, 'the archived directory is removed');
      const entries: string[] = [];
      await list({ file: archive, onReadEntry: (entry) => entries.push(entry.path) });
      assert.deepEqual(entries.sort(), [
        'lattice-debug-x/',
        'lattice-debug-x/2026-12-01T00-00-30Z/',
        'lattice-debug-x/2026-12-01T00-00-30Z/heap.json',
        'lattice-debug-x/index.json',
      ]);
    } finally {
      await dir.remove();
    }
  });
});
