// Consul's manual outage recovery: an operator writes <data_dir>/raft/peers.json listing the surviving servers on
// each survivor and restarts them; at startup the file is read, applied as the new configuration (cluster-
// recovery.ts) and deleted. As in Consul (agent/consul/server.go setupRaft), a peers.info file is written on the
// first start and acts as a sentinel: a peers.json found before peers.info existed is stale and is deleted
// unread. The file format is hashicorp/raft's ReadConfigJSON: [{"id", "address", "non_voter"}].

import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { recoverCluster } from './cluster-recovery.js';
import type { ConfState, NodeId } from './core/types.js';
import type { Fsm } from './fsm.js';
import type { RecoveryStores } from './recovery.js';

export const peersJsonFileName = 'peers.json';
export const peersInfoFileName = 'peers.info';

/** The configuration a peers.json file names: who votes, who does not, and where each server is. */
export interface RecoveryConfiguration {
  readonly conf: ConfState;
  readonly addresses: Readonly<Record<NodeId, string>>;
}

const peersInfoText = `The peers.json file in this directory is only used for recovery after an
outage (as in Consul with Raft protocol 3). It is a JSON array of the
surviving servers:

[
  { "id": "adf4238a-882b-9ddc-4a9d-5b6758e4159e", "address": "10.1.0.1:8300", "non_voter": false },
  { "id": "8b6dda82-3103-11e7-93ae-92361f002671", "address": "10.1.0.2:8300", "non_voter": false }
]

"id" is the server's node ID, "address" its server RPC address, and "non_voter"
(optional, false by default) makes it a non-voting member.

Write the same file on every surviving server, make sure the servers left out
have failed for good, and restart the survivors. Each reads the file at start,
applies it as the new configuration (every entry in its log is treated as
committed), and deletes it. The servers then elect a leader among themselves.
`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses a peers.json text and checks it as hashicorp/raft's checkConfiguration does: every server has an id and
 * an address, none repeats, and at least one votes. Throws a ValidationError naming every problem.
 */
export function parsePeersJson(text: string): RecoveryConfiguration {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`peers.json is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ValidationError('peers.json must be a JSON array of servers');
  const problems: string[] = [];
  const voters: NodeId[] = [];
  const learners: NodeId[] = [];
  const addresses: Record<NodeId, string> = {};
  const seenAddresses = new Set<string>();
  for (const [position, item] of parsed.entries()) {
    if (!isObject(item)) {
      problems.push(`server ${position} is not an object`);
      continue;
    }
    const { id, address } = item;
    const nonVoter = item['non_voter'] ?? false;
    if (typeof id !== 'string' || id.length === 0) problems.push(`server ${position} has no "id"`);
    if (typeof address !== 'string' || address.length === 0) problems.push(`server ${position} has no "address"`);
    if (typeof nonVoter !== 'boolean') problems.push(`server ${position}: "non_voter" must be true or false`);
    if (typeof id !== 'string' || id.length === 0 || typeof address !== 'string' || address.length === 0) continue;
    if (id in addresses) problems.push(`found duplicate ID in configuration: ${id}`);
    if (seenAddresses.has(address)) problems.push(`found duplicate address in configuration: ${address}`);
    addresses[id] = address;
    seenAddresses.add(address);
    (nonVoter === true ? learners : voters).push(id);
  }
  if (problems.length === 0 && voters.length === 0) problems.push('need at least one voter in configuration');
  if (problems.length > 0) throw new ValidationError(`peers.json: ${problems.join('; ')}`);
  return { conf: { voters, learners }, addresses };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Runs Consul's startup check in `raftDir` (Consul: <data_dir>/raft) before the stores are read: writes the
 * peers.info sentinel on first use (deleting any peers.json found then), otherwise applies and deletes a
 * peers.json. Returns the configuration applied, or null when there was nothing to recover. A file that does not
 * parse, or stores with no state to recover, fail the start with the file left in place.
 */
export async function recoverFromPeersJson(
  raftDir: string,
  stores: RecoveryStores,
  fsm: Fsm,
  log: Logger,
): Promise<RecoveryConfiguration | null> {
  const peersFile = join(raftDir, peersJsonFileName);
  const infoFile = join(raftDir, peersInfoFileName);
  if (!(await exists(infoFile))) {
    await writeFile(infoFile, peersInfoText, { mode: 0o644 });
    if (await exists(peersFile)) {
      await rm(peersFile);
      log.info({ path: peersFile }, 'deleted peers.json file (see peers.info for details)');
    }
    return null;
  }
  if (!(await exists(peersFile))) return null;
  log.info({ path: peersFile }, 'found peers.json file, recovering Raft configuration...');
  const configuration = parsePeersJson(await readFile(peersFile, 'utf8'));
  await recoverCluster(stores, fsm, configuration, log);
  await rm(peersFile);
  log.info({ voters: configuration.conf.voters }, 'deleted peers.json file after successful recovery');
  return configuration;
}
