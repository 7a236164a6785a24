// The node ID survives restarts: Consul keeps it in `data_dir/node-id`, and Raft server IDs are node IDs, so a
// server that came back with a new ID would look like a stranger to its own cluster. The config's `node_id`
// wins when set; otherwise the file's ID is used, or the generated one is written there. -dev (no data dir)
// keeps the fresh ID for the life of the process.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatticeError } from '../lib/errors.js';
import { checkUuid } from './config/field-checks.js';
import type { AgentConfig } from './config/types.js';

export const nodeIdFileName = 'node-id';

export class NodeIdError extends LatticeError {
  override readonly name = 'NodeIdError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_NODE_ID', message, options);
  }
}

/** Returns the config with the node ID that is now stored in data_dir (unchanged in -dev). */
export async function persistNodeId(config: AgentConfig): Promise<AgentConfig> {
  if (config.dataDir === null) return config;
  const path = join(config.dataDir, nodeIdFileName);
  let stored: string | null = null;
  try {
    stored = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new NodeIdError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (stored !== null && !config.nodeIdFromConfig) {
    const problem = checkUuid(stored);
    if (problem) throw new NodeIdError(`${path}: ${problem}`);
    return Object.freeze({ ...config, nodeId: stored.toLowerCase() });
  }
  if (stored === config.nodeId) return config;
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    await writeFile(path, `${config.nodeId}\n`, { mode: 0o600 });
  } catch (error) {
    throw new NodeIdError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
  return config;
}
