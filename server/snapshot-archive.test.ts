// Proves Consul's snapshot archive layout: a gzipped ustar holding meta.json (raft SnapshotMeta), state.bin and
// SHA256SUMS in sha256sum's format, readable by the system `tar` and `sha256sum` (so by Consul's Go reader, which
// checks the same things), and read back here with every check: a damaged state, a wrong sum, a missing or
// unexpected file, and bytes that are not gzip are each refused with SnapshotArchiveError.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isGzip, readSnapshotArchive, SnapshotArchiveError, writeSnapshotArchive } from './snapshot-archive.js';

const state = new Uint8Array(Buffer.from('LTCSNAP state bytes '.repeat(100)));
const input = {
  index: 42,
  term: 3,
  servers: [{ Suffrage: 0, ID: 'a1', Address: '10.0.0.1:8300' }],
  configurationIndex: 7,
  wallMs: 1_764_600_000_123,
};

/** The archive with its tar changed by `change` (to damage one part on purpose). */
function tamper(archive: Buffer, change: (tar: Buffer) => Buffer): Buffer {
  return gzipSync(change(Buffer.from(gunzipSync(archive))));
}

describe('snapshot archive', () => {
  it('writes meta.json, state.bin and SHA256SUMS that tar and sha256sum accept', async () => {
    const archive = writeSnapshotArchive(state, input);
    assert.ok(isGzip(archive));
    const dir = await mkdtemp(join(tmpdir(), 'lattice-archive-'));
    try {
      await writeFile(join(dir, 'snap.tgz'), archive);
      const listing = execFileSync('tar', ['-tzf', 'snap.tgz'], { cwd: dir, encoding: 'utf8' });
      assert.deepEqual(listing.trim().split('\n'), ['meta.json', 'state.bin', 'SHA256SUMS']);
      execFileSync('tar', ['-xzf', 'snap.tgz'], { cwd: dir });
      assert.deepEqual(new Uint8Array(await readFile(join(dir, 'state.bin'))), state);
      const checked = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
      assert.match(checked, /meta\.json: OK\nstate\.bin: OK/);
      const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'));
      assert.deepEqual(meta, {
        Version: 1,
        ID: '3-42-1764600000123',
        Index: 42,
        Term: 3,
        Peers: null,
        Configuration: { Servers: [{ Suffrage: 0, ID: 'a1', Address: '10.0.0.1:8300' }] },
        ConfigurationIndex: 7,
        Size: state.byteLength,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads back what it wrote', () => {
    const read = readSnapshotArchive(writeSnapshotArchive(state, input));
    assert.deepEqual(new Uint8Array(read.state), state);
    assert.equal(read.meta.Index, 42);
    assert.equal(read.meta.Term, 3);
  });

  it('refuses a changed state, a missing or unexpected file, and bytes that are not gzip', () => {
    const archive = writeSnapshotArchive(state, input);
    const stateAt = (tar: Buffer) => tar.indexOf('LTCSNAP');
    const flipped = tamper(archive, (tar) => {
      tar[stateAt(tar)] = 0x58;
      return tar;
    });
    assert.throws(() => readSnapshotArchive(flipped), /state\.bin does not match its SHA256 sum/);
    // The third entry (SHA256SUMS) cut off: only meta.json and state.bin, then the end marker.
    const withoutSums = tamper(archive, (tar) => {
      const sumsHeader = tar.indexOf('SHA256SUMS');
      return Buffer.concat([tar.subarray(0, sumsHeader), Buffer.alloc(1024)]);
    });
    assert.throws(() => readSnapshotArchive(withoutSums), /must hold meta\.json, state\.bin and SHA256SUMS/);
    const renamed = tamper(archive, (tar) => {
      const header = tar.indexOf('state.bin');
      tar.write('extra.bin', header, 'utf8');
      // Fix the header checksum so only the name is wrong.
      const block = tar.subarray(header, header + 512);
      block.write('        ', 148, 'ascii');
      let sum = 0;
      for (const byte of block) sum += byte;
      block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
      return tar;
    });
    assert.throws(() => readSnapshotArchive(renamed), /unexpected file "extra\.bin"/);
    assert.throws(() => readSnapshotArchive(new Uint8Array([1, 2, 3])), SnapshotArchiveError);
    assert.equal(isGzip(state), false);
  });
});
