// LevelDB's recovery drops a write-ahead-log record that fails its own checksum, and everything after it in that
// file, reporting it only in its info LOG ("dropping N bytes; Corruption: ..."). For Raft those were synced,
// acknowledged writes, so our level stores refuse to open such a database, and leave a marker file so that the
// next open (after LevelDB has already rewritten the log into a table) refuses too.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const corruptMarkerFileName = 'CORRUPT';

/** The reason the database at `path` must not be used, or null. Call before and after opening it. */
export async function findRecoveryCorruption(path: string): Promise<string | null> {
  const marker = await readFile(join(path, corruptMarkerFileName), 'utf8').catch(() => null);
  if (marker !== null) return `found corrupt earlier (${corruptMarkerFileName}): ${marker.trim()}`;
  const info = await readFile(join(path, 'LOG'), 'utf8').catch(() => '');
  const line = info.split('\n').find((text) => /Corruption|dropping \d+ bytes/.test(text));
  if (line === undefined) return null;
  await writeFile(join(path, corruptMarkerFileName), `${line}\n`);
  return `LevelDB dropped corrupt records on recovery: ${line.trim()}`;
}
