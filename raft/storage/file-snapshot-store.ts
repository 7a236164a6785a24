// A SnapshotStore of files, after hashicorp/raft's file_snapshot.go: each snapshot is a directory holding
// `state.bin` and `meta.json` (Raft metadata, size, CRC-32). It is written under `<id>.tmp`, fsynced, renamed to
// `<id>` and the parent directory fsynced, so a crash leaves either a complete snapshot or a temp dir that the
// next open removes. Listing skips (with a warning) any snapshot whose metadata is missing or malformed; reading
// verifies size and checksum at the end of the stream.

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../lib/assert.js';
import { type Logger, silentLogger } from '../../lib/log.js';
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

const tempSuffix = '.tmp';
const dataFileName = 'state.bin';
const metaFileName = 'meta.json';
export const snapshotChunkSizeBytes = 1024 * 1024;
const metaSizeBytesMax = 1024 * 1024;

export interface FileSnapshotStoreOptions {
  readonly retainCount?: number;
  readonly log?: Logger;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isSnapshotMeta(value: unknown): value is SnapshotMeta {
  const meta = value as Partial<SnapshotMeta> | null;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    Number.isSafeInteger(meta.index) &&
    Number.isSafeInteger(meta.term) &&
    typeof meta.conf === 'object' &&
    meta.conf !== null &&
    Array.isArray(meta.conf.voters) &&
    Array.isArray(meta.conf.learners) &&
    typeof meta.addresses === 'object' &&
    meta.addresses !== null
  );
}

function parseStored(id: string, text: string): StoredSnapshot | null {
  try {
    const value = JSON.parse(text) as Partial<StoredSnapshot> & { metaChecksum?: number };
    if (value.id !== id || !isSnapshotMeta(value.meta)) return null;
    if (!Number.isSafeInteger(value.sizeBytes) || !Number.isSafeInteger(value.checksum)) return null;
    const body = JSON.stringify({ id, meta: value.meta, sizeBytes: value.sizeBytes, checksum: value.checksum });
    if (value.metaChecksum !== crc32(new TextEncoder().encode(body))) return null;
    return { id, meta: value.meta, sizeBytes: value.sizeBytes as number, checksum: value.checksum as number };
  } catch {
    return null;
  }
}

function formatStored(snapshot: StoredSnapshot): string {
  const body = JSON.stringify(snapshot);
  return JSON.stringify({ ...snapshot, metaChecksum: crc32(new TextEncoder().encode(body)) });
}

export class FileSnapshotStore implements SnapshotStore {
  private sequence = 0;
  private readonly retainCount: number;
  private readonly log: Logger;

  private constructor(
    private readonly path: string,
    options: FileSnapshotStoreOptions,
  ) {
    this.retainCount = options.retainCount ?? snapshotRetainCountDefault;
    this.log = options.log ?? silentLogger();
    assert(this.retainCount >= 1, 'retainCount must be at least 1');
  }

  /** Creates the directory if needed and removes temp dirs a crash left behind. */
  static async open(path: string, options: FileSnapshotStoreOptions = {}): Promise<FileSnapshotStore> {
    await mkdir(path, { recursive: true });
    for (const name of await readdir(path)) {
      if (name.endsWith(tempSuffix)) await rm(join(path, name), { recursive: true, force: true });
    }
    return new FileSnapshotStore(path, options);
  }

  async create(meta: SnapshotMeta): Promise<SnapshotSink> {
    assert(isSnapshotMeta(meta), 'snapshot meta is malformed');
    const id = `${meta.term}-${meta.index}-${Date.now()}-${String(this.sequence++).padStart(4, '0')}`;
    const tempPath = join(this.path, id + tempSuffix);
    await mkdir(tempPath);
    const handle = await open(join(tempPath, dataFileName), 'w');
    let checksum = 0;
    let sizeBytes = 0;
    let state: 'open' | 'closed' | 'cancelled' = 'open';
    const cancel = async (): Promise<void> => {
      if (state !== 'open') return;
      state = 'cancelled';
      await handle.close().catch(() => undefined);
      await rm(tempPath, { recursive: true, force: true });
    };
    return {
      id,
      write: async (chunk) => {
        assert(state === 'open', `snapshot sink ${id} is ${state}`);
        checksum = crc32(chunk, checksum);
        sizeBytes += chunk.byteLength;
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
      },
      close: async () => {
        assert(state === 'open', `snapshot sink ${id} is ${state}`);
        try {
          await handle.sync();
          await handle.close();
          const snapshot: StoredSnapshot = { id, meta, sizeBytes, checksum };
          const metaHandle = await open(join(tempPath, metaFileName), 'w');
          try {
            await metaHandle.writeFile(formatStored(snapshot));
            await metaHandle.sync();
          } finally {
            await metaHandle.close();
          }
          await fsyncPath(tempPath);
          await rename(tempPath, join(this.path, id));
          await fsyncPath(this.path);
          state = 'closed';
          await this.reap();
          return snapshot;
        } catch (error) {
          state = 'open';
          await cancel();
          throw error;
        }
      },
      cancel,
    };
  }

  async list(): Promise<StoredSnapshot[]> {
    const found: StoredSnapshot[] = [];
    for (const name of await readdir(this.path)) {
      if (name.endsWith(tempSuffix)) continue;
      const snapshot = await this.readMeta(name);
      if (snapshot) found.push(snapshot);
      else this.log.warn({ snapshot: name }, 'skipping a snapshot with missing or invalid metadata');
    }
    return found.sort(compareNewestFirst);
  }

  async open(id: string): Promise<OpenSnapshot> {
    if (id.includes('/') || id.includes('\\') || id.startsWith('.')) throw new SnapshotNotFoundError(id);
    const snapshot = await this.readMeta(id);
    if (!snapshot) throw new SnapshotNotFoundError(id);
    return { snapshot, chunks: this.readData(snapshot) };
  }

  private async readMeta(id: string): Promise<StoredSnapshot | null> {
    try {
      const handle = await open(join(this.path, id, metaFileName), 'r');
      try {
        const { size } = await handle.stat();
        if (size > metaSizeBytesMax) return null;
      } finally {
        await handle.close();
      }
      return parseStored(id, await readFile(join(this.path, id, metaFileName), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        return null;
      }
      throw error;
    }
  }

  private async *readData(snapshot: StoredSnapshot): AsyncGenerator<Uint8Array> {
    let checksum = 0;
    let sizeBytes = 0;
    const stream = createReadStream(join(this.path, snapshot.id, dataFileName), {
      highWaterMark: snapshotChunkSizeBytes,
    });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        checksum = crc32(chunk, checksum);
        sizeBytes += chunk.byteLength;
        if (sizeBytes > snapshot.sizeBytes) break;
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotNotFoundError(snapshot.id);
      throw error;
    } finally {
      stream.destroy();
    }
    if (sizeBytes !== snapshot.sizeBytes) {
      throw new CorruptSnapshotError(
        `snapshot ${snapshot.id} holds ${sizeBytes} bytes, expected ${snapshot.sizeBytes}`,
      );
    }
    if (checksum !== snapshot.checksum) throw new CorruptSnapshotError(`snapshot ${snapshot.id} fails its checksum`);
  }

  private async reap(): Promise<void> {
    const snapshots = await this.list();
    for (const snapshot of snapshots.slice(this.retainCount)) {
      await rm(join(this.path, snapshot.id), { recursive: true, force: true });
    }
  }
}
