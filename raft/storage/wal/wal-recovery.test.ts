// Proves what opening a damaged WAL does. A torn last batch (the write a crash cut short: cut at every byte, or
// with a middle sector unwritten) is cut off and the log is what it was before that batch, still appendable; the
// same for a torn first write to a new segment. A changed byte anywhere else (an earlier batch, an earlier
// segment, or the last batch when nothing of it is missing), or damage followed by a valid batch, refuses to
// open with CorruptLogError.

import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Entry } from '../../core/types.js';
import { CorruptLogError } from '../../errors.js';
import { makeTempDir } from '../../testing/temp-dir.js';
import { listSegmentFiles, type SegmentFile } from './segment-files.js';
import { WalLogStore } from './wal-log-store.js';

const segmentSizeBytes = 4096;

function entry(index: number, term = 1, sizeBytes = 120): Entry {
  const data = new Uint8Array(sizeBytes).fill(0x41 + (index % 26));
  data.set(new TextEncoder().encode(`entry-${index}-term-${term}`));
  return { index, term, type: 'normal', data };
}

function run(first: number, count: number, sizeBytes?: number): Entry[] {
  return Array.from({ length: count }, (_, position) => entry(first + position, 1, sizeBytes));
}

async function withWal<T>(walDir: string, use: (store: WalLogStore) => Promise<T>): Promise<T> {
  const store = await WalLogStore.open(walDir, { segmentSizeBytes });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const readAll = (store: WalLogStore) => store.getEntries(store.firstIndex(), store.lastIndex() + 1);

async function segments(walDir: string): Promise<SegmentFile[]> {
  return (await listSegmentFiles(walDir)).segments;
}

/** Where two versions of a file differ: [first differing byte, last differing byte + 1). */
function changedRange(before: Uint8Array, after: Uint8Array): { from: number; to: number } {
  let from = 0;
  while (before[from] === after[from]) from++;
  let to = after.byteLength;
  while (before[to - 1] === after[to - 1]) to--;
  return { from, to };
}

/** The file as a crash would leave it if only the bytes in `written` of [from, to) had reached the disk. */
function partialWrite(before: Uint8Array, after: Uint8Array, written: (position: number) => boolean): Buffer {
  const result = Buffer.from(after);
  for (let position = 0; position < result.byteLength; position++) {
    if (!written(position)) result[position] = before[position] ?? 0;
  }
  return result;
}

async function expectCorrupt(walDir: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(WalLogStore.open(walDir, { segmentSizeBytes }), (error: unknown) => {
    assert.ok(error instanceof CorruptLogError, `expected CorruptLogError, got ${String(error)}`);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

describe('WAL recovery', () => {
  it('cuts a batch torn at any byte off the tail and keeps everything before it', async () => {
    const dir = await makeTempDir();
    const walDir = join(dir.path, 'wal');
    try {
      const kept = run(1, 6);
      await withWal(walDir, async (store) => {
        for (const item of kept) await store.storeEntries([item]);
      });
      const [segment] = await segments(walDir);
      assert.ok(segment);
      const before = await readFile(segment.path);
      await withWal(walDir, (store) => store.storeEntries(run(7, 3)));
      const after = await readFile(segment.path);
      const { from, to } = changedRange(before, after);
      assert.ok(to - from > 300, `the last batch spans ${to - from} bytes`);
      for (let cut = from; cut < to; cut++) {
        await writeFile(
          segment.path,
          partialWrite(before, after, (position) => position < cut),
        );
        const survived = await withWal(walDir, async (store) => {
          // Once the whole body is there (the cut is in the padding or trailer), the batch is complete and kept.
          const whole = store.lastIndex() === 9 && cut >= to - 16;
          assert.deepEqual(await readAll(store), whole ? [...kept, ...run(7, 3)] : kept, `cut at ${cut}`);
          if (!whole && cut % 97 === 0) await store.storeEntries([entry(7, 2)]);
          return whole;
        });
        if (!survived && cut % 97 === 0) {
          await withWal(walDir, async (store) => assert.deepEqual(await readAll(store), [...kept, entry(7, 2)]));
        }
      }
    } finally {
      await dir.remove();
    }
  });

  it('cuts off a last batch whose middle sector never reached the disk', async () => {
    const dir = await makeTempDir();
    const walDir = join(dir.path, 'wal');
    try {
      await withWal(walDir, (store) => store.storeEntries(run(1, 2)));
      const [segment] = await segments(walDir);
      assert.ok(segment);
      const before = await readFile(segment.path);
      await withWal(walDir, (store) => store.storeEntries(run(3, 1, 1500)));
      const after = await readFile(segment.path);
      const { from, to } = changedRange(before, after);
      const hole = Math.ceil(from / 512) * 512 + 512;
      assert.ok(hole + 512 < to, 'the batch spans a whole middle sector');
      await writeFile(
        segment.path,
        partialWrite(before, after, (position) => position < hole || position >= hole + 512),
      );
      await withWal(walDir, async (store) => assert.deepEqual(await readAll(store), run(1, 2)));
    } finally {
      await dir.remove();
    }
  });

  it('deletes a new segment whose first write was torn, at any byte', async () => {
    const dir = await makeTempDir();
    const walDir = join(dir.path, 'wal');
    try {
      const kept: Entry[] = [];
      await withWal(walDir, async (store) => {
        for (let index = 1; (await segments(walDir)).length < 2; index++) {
          const next = entry(index, 1, 400);
          await store.storeEntries([next]);
          kept.push(next);
        }
      });
      const last = kept.pop() as Entry;
      const newest = (await segments(walDir))[1] as SegmentFile;
      const after = await readFile(newest.path);
      const zeros = Buffer.alloc(after.byteLength);
      const { to } = changedRange(zeros, after);
      for (let cut = 0; cut < to; cut += 3) {
        await writeFile(
          newest.path,
          partialWrite(zeros, after, (position) => position < cut),
        );
        await withWal(walDir, async (store) => {
          const whole = store.lastIndex() === last.index && cut >= to - 16; // only padding or trailer missing
          assert.deepEqual(await readAll(store), whole ? [...kept, last] : kept, `cut at ${cut}`);
        });
        // The header frame (24-byte frame header, 33-byte record) is whole from byte 57 on: the segment stays.
        assert.equal((await segments(walDir)).length, cut < 57 ? 1 : 2, `cut at ${cut}`);
        if ((await segments(walDir)).length === 1) await writeFile(newest.path, zeros);
      }
      await writeFile(newest.path, after);
      await withWal(walDir, async (store) => assert.deepEqual(await readAll(store), [...kept, last]));
    } finally {
      await dir.remove();
    }
  });

  it('refuses a changed byte in an earlier batch, in an earlier segment, and in a whole last batch', async () => {
    const dir = await makeTempDir();
    try {
      for (const target of ['earlier batch', 'earlier segment', 'last batch', 'frame header'] as const) {
        const walDir = join(dir.path, target.replace(' ', '-'));
        await withWal(walDir, async (store) => {
          for (let index = 1; index <= 40; index++) await store.storeEntries([entry(index)]);
        });
        const all = await segments(walDir);
        const segment = (target === 'earlier segment' ? all[0] : all.at(-1)) as SegmentFile;
        const bytes = await readFile(segment.path);
        const markers = [...bytes.toString('latin1').matchAll(/entry-\d+-term-1/g)].map((match) => match.index);
        const position =
          target === 'last batch'
            ? (markers.at(-1) as number)
            : target === 'frame header'
              ? bytes.indexOf(Buffer.from('LWAL'), (markers.at(-3) as number) + 1) + 6
              : (markers.at(-3) as number);
        bytes[position] = (bytes[position] as number) ^ 0x01;
        await writeFile(segment.path, bytes);
        await expectCorrupt(walDir);
      }
    } finally {
      await dir.remove();
    }
  });

  it('refuses unreadable data that a valid batch follows, even when it looks torn (a zeroed sector)', async () => {
    const dir = await makeTempDir();
    const walDir = join(dir.path, 'wal');
    try {
      await withWal(walDir, async (store) => {
        for (let index = 1; index <= 6; index++) await store.storeEntries([entry(index, 1, 600)]);
      });
      const segment = (await segments(walDir))[0] as SegmentFile;
      const bytes = await readFile(segment.path);
      bytes.fill(0, 1024, 1536);
      await writeFile(segment.path, bytes);
      await expectCorrupt(walDir, /before a valid batch/);
    } finally {
      await dir.remove();
    }
  });

  it('refuses a log with a segment missing in the middle, and deletes leftover spares', async () => {
    const dir = await makeTempDir();
    const walDir = join(dir.path, 'wal');
    try {
      await withWal(walDir, async (store) => {
        for (let index = 1; index <= 60; index++) await store.storeEntries([entry(index, 1, 300)]);
      });
      await writeFile(join(walDir, 'spare-9.tmp'), 'left by a crash');
      await withWal(walDir, async (store) => assert.deepEqual(store.recoveryNotes().length, 1));
      const all = await segments(walDir);
      assert.ok(all.length >= 3);
      await rm((all[1] as SegmentFile).path);
      await expectCorrupt(walDir, /missing/);
    } finally {
      await dir.remove();
    }
  });
});
