// Segment file names, as etcd's: <seq>-<index>.wal in 16 hex digits each, so a directory listing sorts in log
// order; seq counts segments and index is the first entry index the segment was started for (a hint for people:
// recovery trusts each segment's header record). Spares never hold log data: one being filled with zeros ends in
// .tmp (a crash leaves it partial: deleted on open), and is renamed to .ready once whole and synced (kept and used
// after a restart, so a restart does not write 64 MiB again).

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptLogError } from '../../errors.js';

export interface SegmentFile {
  readonly seq: number;
  readonly path: string;
}

const segmentNamePattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;
export const partialSpareSuffix = '.tmp';
export const readySpareSuffix = '.ready';

function hex16(value: number): string {
  return value.toString(16).padStart(16, '0');
}

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

export interface WalFiles {
  readonly segments: SegmentFile[];
  readonly partialSpares: string[];
  readonly readySpares: string[];
}

/** The segments in `dir`, in seq order, and the spares; a missing seq in between is corruption. */
export async function listSegmentFiles(dir: string): Promise<WalFiles> {
  const segments: SegmentFile[] = [];
  const partialSpares: string[] = [];
  const readySpares: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const match = segmentNamePattern.exec(name);
    if (match) segments.push({ seq: Number.parseInt(match[1] as string, 16), path: join(dir, name) });
    else if (name.endsWith(partialSpareSuffix)) partialSpares.push(join(dir, name));
    else if (name.endsWith(readySpareSuffix)) readySpares.push(join(dir, name));
  }
  segments.sort((a, b) => a.seq - b.seq);
  for (let position = 1; position < segments.length; position++) {
    const seq = (segments[position] as SegmentFile).seq;
    const previous = (segments[position - 1] as SegmentFile).seq;
    if (seq !== previous + 1) {
      throw new CorruptLogError(`WAL ${dir}: segment ${previous + 1} is missing (found ${previous}, then ${seq})`);
    }
  }
  return { segments, partialSpares, readySpares };
}
