// Shared test helpers for agent/config: a fixed host environment and a temporary directory of config files.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ConfigEnvironment } from './validate.js';

export const testNodeId = '11111111-2222-3333-4444-555555555555';

export const testEnvironment: ConfigEnvironment = Object.freeze({
  hostname: 'test-host',
  privateIpv4: '10.1.2.3',
  newNodeId: () => testNodeId,
});

export interface ConfigDir {
  readonly path: string;
  /** The path of a file inside the directory, as the loader names it in messages. */
  file(name: string): string;
  remove(): Promise<void>;
}

/** Writes `files` (relative name → content) into a fresh temporary directory. */
export async function writeConfigDir(files: Readonly<Record<string, string>>): Promise<ConfigDir> {
  const path = await mkdtemp(join(tmpdir(), 'lattice-config-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(path, name)), { recursive: true });
    await writeFile(join(path, name), content);
  }
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
