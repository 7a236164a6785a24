// Segment file names, as etcd's: <seq>-<index>.wal in 16 hex digits each, so a directory listing sorts in log
// order; seq counts segments and index is the first entry index the segment was started for (a hint for people:
// recovery trusts each segment's header record). Spares being preallocated end in .tmp and never hold log data.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptLogError } from '../../errors.js';

export interface SegmentFile {
  readonly seq: number;
  readonly path: string;
}

const segmentNamePattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;
export const spareSuffix = '.tmp';

function hex16(value: number): string {
  return value.toString(16).padStart(16, '0');
}

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

/** The segments in `dir`, in seq order, and the spares left behind; a missing seq in between is corruption. */
export async function listSegmentFiles(dir: string): Promise<{ segments: SegmentFile[]; spares: string[] }> {
  const segments: SegmentFile[] = [];
  const spares: string[] = [];
  for (const name of await readdir(dir)) {
    const match = segmentNamePattern.exec(name);
    if (match) segments.push({ seq: Number.parseInt(match[1] as string, 16), path: join(dir, name) });
    else if (name.endsWith(spareSuffix)) spares.push(join(dir, name));
  }
  segments.sort((a, b) => a.seq - b.seq);
  for (let position = 1; position < segments.length; position++) {
    const seq = (segments[position] as SegmentFile).seq;
    const previous = (segments[position - 1] as SegmentFile).seq;
    if (seq !== previous + 1) {
      throw new CorruptLogError(`WAL ${dir}: segment ${previous + 1} is missing (found ${previous}, then ${seq})`);
    }
  }
  return { segments, spares };
}
