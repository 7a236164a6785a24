// Test helper run as a child process by wal-crash.test.ts: appends numbered entries to the WAL at argv[2] (segments
// of argv[3] bytes) for ever, several appends in flight at once (so they share synced writes), and prints
// "ack <index>" as each append resolves. The test SIGKILLs it mid-stream and checks every acknowledged index.

import { crashTestEntry } from './crash-test-entry.js';
import { WalLogStore } from './wal-log-store.js';

const appendsInFlightMax = 8;
const [walDir, segmentSizeText] = process.argv.slice(2);
if (walDir === undefined || segmentSizeText === undefined)
  throw new Error('usage: append-child <wal-dir> <segment-bytes>');
const store = await WalLogStore.open(walDir, { segmentSizeBytes: Number(segmentSizeText) });
process.stdout.write(`ready ${store.lastIndex()}\n`);
let next = store.lastIndex() + 1;
let inFlight = 0;
const appendMore = (): void => {
  while (inFlight < appendsInFlightMax) {
    const index = next++;
    inFlight++;
    store.storeEntries([crashTestEntry(index)]).then(
      () => {
        inFlight--;
        process.stdout.write(`ack ${index}\n`);
        appendMore();
      },
      (error: unknown) => {
        process.stderr.write(`append ${index} failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  }
};
appendMore();
