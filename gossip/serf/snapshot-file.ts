// The member snapshot on disk, `data_dir/serf/local.snapshot`: Serf's lines are appended and fsynced in batches;
// past a size limit the file is compacted (rewritten atomically as the current alive set and clocks), as serf's
// snapshotter does. Opening replays the file so a restarted agent knows whom to rejoin.

import { constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../keyring-file.js';
import {
  applySnapshotLine,
  emptySnapshotState,
  formatSnapshot,
  parseSnapshot,
  type SnapshotState,
} from './snapshot.js';

export const localSnapshotFileName = join('serf', 'local.snapshot');
export const remoteSnapshotFileName = join('serf', 'remote.snapshot');
/** Compact once the appended log passes this (serf: 128 KiB minimum compaction size). */
export const snapshotCompactSizeBytes = 128 * 1024;
/** A snapshot file larger than this is not read (a corrupt or hostile file must not exhaust memory). */
export const snapshotFileSizeBytesMax = 64 * 1024 * 1024;

export function localSnapshotPath(dataDir: string): string {
  return join(dataDir, localSnapshotFileName);
}

export class SnapshotFile {
  private handle: FileHandle | null = null;
  private sizeBytes = 0;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    /** The state as of the last line recorded (what compaction writes). */
    readonly state: SnapshotState,
  ) {}

  /** Reads (replays) the snapshot if present, then opens it for appending. */
  static async open(path: string): Promise<SnapshotFile> {
    let state = emptySnapshotState();
    try {
      const text = await readFile(path, 'utf8');
      if (text.length <= snapshotFileSizeBytesMax) state = parseSnapshot(text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const file = new SnapshotFile(path, state);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await file.compact();
    return file;
  }

  /** Queues lines; `flush()` writes and fsyncs them. */
  record(lines: readonly string[]): void {
    for (const line of lines) {
      applySnapshotLine(this.state, line);
      this.pending.push(line);
    }
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Writes queued lines and fsyncs; calls are serialised. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0 || this.handle === null) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    await this.handle.write(text);
    await this.handle.sync();
    this.sizeBytes += Buffer.byteLength(text);
    if (this.sizeBytes > snapshotCompactSizeBytes) await this.compact();
  }

  private async compact(): Promise<void> {
    await this.handle?.close();
    const text = formatSnapshot(this.state);
    await writeFileAtomic(this.path, text, 0o600);
    this.sizeBytes = Buffer.byteLength(text);
    this.handle = await open(this.path, fsConstants.O_WRONLY | fsConstants.O_APPEND);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = null;
  }
}
