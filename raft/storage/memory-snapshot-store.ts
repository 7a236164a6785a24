// A SnapshotStore in memory: the test double. Same contract as FileSnapshotStore, including the retain count
// and the end-of-stream checksum check.

import { assert } from '../../lib/assert.js';
import type { SnapshotMeta } from '../core/types.js';
import { CorruptSnapshotError, SnapshotNotFoundError } from '../errors.js';
import { crc32 } from './checksum.js';
import {
  compareNewestFirst,
  type OpenSnapshot,
  type SnapshotSink,
  type SnapshotStore,
  type StoredSnapshot,
  snapshotRetainCountDefault,
} from './snapshot-store.js';

interface Held {
  readonly snapshot: StoredSnapshot;
  readonly chunks: Uint8Array[];
}

export class MemorySnapshotStore implements SnapshotStore {
  private readonly held = new Map<string, Held>();
  private sequence = 0;

  constructor(private readonly retainCount = snapshotRetainCountDefault) {
    assert(retainCount >= 1, 'retainCount must be at least 1');
  }

  async create(meta: SnapshotMeta): Promise<SnapshotSink> {
    const id = `${meta.term}-${meta.index}-${String(this.sequence++).padStart(8, '0')}`;
    const chunks: Uint8Array[] = [];
    let checksum = 0;
    let sizeBytes = 0;
    let state: 'open' | 'closed' | 'cancelled' = 'open';
    return {
      id,
      write: async (chunk) => {
        assert(state === 'open', `snapshot sink ${id} is ${state}`);
        chunks.push(chunk.slice());
        checksum = crc32(chunk, checksum);
        sizeBytes += chunk.byteLength;
      },
      close: async () => {
        assert(state === 'open', `snapshot sink ${id} is ${state}`);
        state = 'closed';
        const snapshot: StoredSnapshot = { id, meta, sizeBytes, checksum };
        this.held.set(id, { snapshot, chunks });
        this.reap();
        return snapshot;
      },
      cancel: async () => {
        if (state === 'open') state = 'cancelled';
      },
    };
  }

  async list(): Promise<StoredSnapshot[]> {
    return [...this.held.values()].map((held) => held.snapshot).sort(compareNewestFirst);
  }

  async open(id: string): Promise<OpenSnapshot> {
    const held = this.held.get(id);
    if (!held) throw new SnapshotNotFoundError(id);
    return { snapshot: held.snapshot, chunks: verified(held) };
  }

  /** Test hook: flips one byte of a stored snapshot, as a disk would. */
  corruptForTest(id: string): void {
    const first = this.held.get(id)?.chunks.find((chunk) => chunk.byteLength > 0);
    if (first) first[0] = (first[0] as number) ^ 0xff;
  }

  private reap(): void {
    const sorted = [...this.held.values()].map((held) => held.snapshot).sort(compareNewestFirst);
    for (const snapshot of sorted.slice(this.retainCount)) this.held.delete(snapshot.id);
  }
}

async function* verified(held: Held): AsyncGenerator<Uint8Array> {
  let checksum = 0;
  for (const chunk of held.chunks) {
    checksum = crc32(chunk, checksum);
    yield chunk.slice();
  }
  if (checksum !== held.snapshot.checksum)
    throw new CorruptSnapshotError(`snapshot ${held.snapshot.id} fails its checksum`);
}
