// Reads config sources from disk: each path is a file or a directory (`-config-file` and `-config-dir` take
// either, as in Consul). A directory contributes its files in lexical order, not its subdirectories; files
// whose extension is not .json, .hcl, .yaml or .yml are skipped unless -config-format names the format.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConfigFormat, formatForPath } from './formats.js';
import type { ProblemList } from './problems.js';

export interface RawSource {
  readonly sourceName: string;
  readonly format: ConfigFormat;
  readonly text: string;
}

/** Config files larger than this are refused: a real agent config is a few kilobytes. */
export const configFileSizeBytesMax = 16 * 1024 * 1024;

export async function readConfigPaths(
  paths: readonly string[],
  formatOverride: ConfigFormat | null,
  problems: ProblemList,
): Promise<RawSource[]> {
  const sources: RawSource[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: unknown) => error as NodeJS.ErrnoException);
    if (info instanceof Error) {
      problems.error(path, '', `cannot read: ${describeFsError(info)}`);
      continue;
    }
    if (info.isDirectory()) {
      sources.push(...(await readDirectory(path, formatOverride, problems)));
      continue;
    }
    const format = formatOverride ?? formatForPath(path);
    if (format === null) {
      problems.error(path, '', 'unknown file type: name it .json, .hcl, .yaml or .yml, or pass -config-format');
      continue;
    }
    const source = await readSource(path, format, info.size, problems);
    if (source) sources.push(source);
  }
  return sources;
}

async function readDirectory(
  directory: string,
  formatOverride: ConfigFormat | null,
  problems: ProblemList,
): Promise<RawSource[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    problems.error(directory, '', `cannot read directory: ${describeFsError(error as NodeJS.ErrnoException)}`);
    return [];
  }
  // Byte order, as Go's sort.Strings: operators number files (00-base.hcl, 10-web.hcl) to control precedence.
  names.sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
  const sources: RawSource[] = [];
  for (const name of names) {
    const path = join(directory, name);
    const info = await stat(path).catch(() => null);
    if (info === null || !info.isFile()) continue;
    const format = formatOverride ?? formatForPath(name);
    if (format === null) continue;
    const source = await readSource(path, format, info.size, problems);
    if (source) sources.push(source);
  }
  return sources;
}

async function readSource(
  path: string,
  format: ConfigFormat,
  sizeBytes: number,
  problems: ProblemList,
): Promise<RawSource | null> {
  if (sizeBytes > configFileSizeBytesMax) {
    problems.error(path, '', `file is ${sizeBytes} bytes, more than the ${configFileSizeBytesMax} allowed`);
    return null;
  }
  try {
    return { sourceName: path, format, text: await readFile(path, 'utf8') };
  } catch (error) {
    problems.error(path, '', `cannot read: ${describeFsError(error as NodeJS.ErrnoException)}`);
    return null;
  }
}

function describeFsError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'no such file or directory';
  if (error.code === 'EACCES') return 'permission denied';
  return error.message;
}
