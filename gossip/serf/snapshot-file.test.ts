// Proves the snapshot file: lines recorded and flushed survive a reopen, a leave means no rejoin, and a large log
// is compacted to the alive set without losing clocks.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { localSnapshotPath, SnapshotFile, snapshotCompactSizeBytes } from './snapshot-file.js';

describe('SnapshotFile', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lattice-snapshot-'));
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('replays alive members and clocks after a reopen', async () => {
    const path = localSnapshotPath(join(dataDir, 'a'));
    const file = await SnapshotFile.open(path);
    file.record(['alive: b 127.0.0.3:8301', 'alive: c 127.0.0.4:8301', 'not-alive: c', 'clock: 4', 'event-clock: 7']);
    await file.close();
    const reopened = await SnapshotFile.open(path);
    assert.deepEqual([...reopened.state.alive], [['b', '127.0.0.3:8301']]);
    assert.equal(reopened.state.eventClock, 7);
    reopened.record(['leave']);
    await reopened.close();
    const afterLeave = await SnapshotFile.open(path);
    assert.equal(afterLeave.state.left, true);
    assert.equal(afterLeave.state.alive.size, 0);
    await afterLeave.close();
  });

  it('compacts a long log to the current state', async () => {
    const path = localSnapshotPath(join(dataDir, 'b'));
    const file = await SnapshotFile.open(path);
    for (let round = 0; round < 3_000; round++) {
      file.record([`alive: n${round % 10} 127.0.0.${(round % 10) + 2}:8301`, `clock: ${round}`]);
      if (round % 500 === 0) await file.flush();
    }
    await file.close();
    assert.ok((await stat(path)).size < snapshotCompactSizeBytes);
    const text = await readFile(path, 'utf8');
    assert.match(text, /clock: 2999/);
    const reopened = await SnapshotFile.open(path);
    assert.equal(reopened.state.alive.size, 10);
    await reopened.close();
  });
});
