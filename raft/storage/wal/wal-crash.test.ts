// Proves that an append that resolved survives a crash: a child process appends with several writes in flight,
// prints each acknowledged index, and is SIGKILLed mid-stream (while segments rotate); after reopening, every
// acknowledged index is there with its data. Three rounds, each continuing the log the last one left.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../../testing/temp-dir.js';
import { crashTestEntry } from './crash-test-entry.js';
import { WalLogStore } from './wal-log-store.js';

const segmentSizeBytes = 16 * 1024;
const acksBeforeKill = 300;
const childPath = fileURLToPath(new URL('./append-child.js', import.meta.url));

/** Runs the child until it has acknowledged `acksBeforeKill` appends, SIGKILLs it, and returns what it acked. */
async function appendUntilKilled(walDir: string): Promise<number[]> {
  const child = spawn(process.execPath, [childPath, walDir, String(segmentSizeBytes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const acked: number[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, index] = line.split(' ');
    if (word === 'ack') acked.push(Number(index));
    if (acked.length === acksBeforeKill) child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL', 'the child must die by SIGKILL, not exit on its own');
  return acked;
}

it('keeps every acknowledged append across SIGKILLs mid-stream', async () => {
  const dir = await makeTempDir();
  const walDir = join(dir.path, 'wal');
  const acked = new Set<number>();
  try {
    for (let round = 1; round <= 3; round++) {
      for (const index of await appendUntilKilled(walDir)) acked.add(index);
      const store = await WalLogStore.open(walDir, { segmentSizeBytes });
      try {
        const highest = Math.max(...acked);
        assert.ok(
          store.lastIndex() >= highest,
          `round ${round}: last index ${store.lastIndex()} below acked ${highest}`,
        );
        const entries = await store.getEntries(1, store.lastIndex() + 1);
        for (const index of acked) assert.deepEqual(entries[index - 1], crashTestEntry(index), `index ${index}`);
        assert.ok(store.segmentCount() > round, 'the appends must have crossed segments');
      } finally {
        await store.close();
      }
    }
  } finally {
    await dir.remove();
  }
});
