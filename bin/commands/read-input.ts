// Reads a file named on the command line with Go's wording when it cannot ("Failed to read file: open /x: no such
// file or directory", as Consul's helpers.LoadDataSourceNoRaw prints it) instead of a raw Node ENOENT error.

import { readFile } from 'node:fs/promises';
import { LatticeError } from '../../lib/errors.js';

/** Go's syscall error strings for the errors a user can cause by naming the wrong file. */
const goErrnoText: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** `open PATH: no such file or directory` (or `read PATH: is a directory`), as Go's os.ReadFile reports it. */
export function describeReadError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const text = goErrnoText[code] ?? (error instanceof Error ? error.message : String(error));
  return `${code === 'EISDIR' ? 'read' : 'open'} ${path}: ${text}`;
}

/** The file's bytes; a LatticeError "Failed to read file: open PATH: ..." when it cannot be read. */
export async function readInputBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new LatticeError('ERR_USAGE', `Failed to read file: ${describeReadError(path, error)}`, { cause: error });
  }
}

/** The file's text; a LatticeError "Failed to read file: open PATH: ..." when it cannot be read. */
export async function readInputFile(path: string): Promise<string> {
  return (await readInputBytes(path)).toString('utf8');
}
