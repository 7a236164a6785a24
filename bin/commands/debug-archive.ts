// The last step of `lattice debug`: the bundle directory becomes <dir>.tar.gz and the directory is removed, as
// consul debug's createArchive does. The archive is written under a temporary name, synced and renamed, so an
// interrupted run never leaves a truncated archive under the final name. Entries are named "<bundle>/<file>".

import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { create } from 'tar';

/** Consul's debugArchiveExtension. */
export const archiveExtension = '.tar.gz';

/** Archives `directory` to `directory + .tar.gz`, removes the directory and returns the archive's path. */
export async function archiveBundle(directory: string): Promise<string> {
  const archivePath = `${directory}${archiveExtension}`;
  const temporaryPath = `${archivePath}.tmp-${process.pid}`;
  try {
    // portable: no uid, gid, user or group names of the operator in the archive sent to someone else.
    await create({ gzip: true, portable: true, cwd: dirname(directory), file: temporaryPath }, [basename(directory)]);
    await syncFile(temporaryPath);
    await rename(temporaryPath, archivePath);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
  await syncFile(dirname(archivePath)); // the rename sticks only once the directory is synced
  await rm(directory, { recursive: true, force: true });
  return archivePath;
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
