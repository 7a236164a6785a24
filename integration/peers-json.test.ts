// Proves Consul's manual outage recovery through the real agent: a server's <data_dir>/raft/peers.json is applied at
// start (the Raft configuration it names replaces the old one), the server leads with its data intact, and the file
// is deleted after the recovery, as Consul's setupRaft does.

import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type LatticeProcess, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const address = '127.0.0.220';
const base = `http://${address}:8500`;
const started: LatticeProcess[] = [];
const temporary: TempDir[] = [];
after(async () => {
  for (const process of started) process.kill();
  await Promise.all(temporary.map((dir) => dir.remove()));
});

function startServer(dataDir: string, extra: readonly string[]): LatticeProcess {
  const agent = startLattice([
    'agent',
    '-server',
    ...extra,
    '-node=s1',
    `-bind=${address}`,
    `-client=${address}`,
    `-data-dir=${dataDir}`,
  ]);
  started.push(agent);
  return agent;
}

async function waitForLeader(agent: LatticeProcess): Promise<void> {
  await waitForHttp(`${base}/v1/status/leader`, {
    process: agent,
    deadlineMs: 30_000,
    what: 'a Raft leader',
    accept: (response) => response.ok,
  });
  await waitFor(async () => (await (await fetch(`${base}/v1/status/leader`)).json()) === `${address}:8300`, {
    deadlineMs: 30_000,
    what: 'this server to lead',
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('peers.json recovery', () => {
  it('applies <data_dir>/raft/peers.json at start, keeps the data and deletes the file', async () => {
    const dir = await makeTempDir();
    temporary.push(dir);
    const first = startServer(dir.path, ['-bootstrap']);
    await waitForLeader(first);
    const put = await fetch(`${base}/v1/kv/recovered`, { method: 'PUT', body: 'yes' });
    assert.equal(await put.text(), 'true');
    assert.equal((await first.stop('SIGTERM')).code, 0);

    const raftDir = join(dir.path, 'raft');
    assert.ok(await exists(join(raftDir, 'peers.info')), 'the first start writes the peers.info guard');
    const nodeId = (await readFile(join(dir.path, 'node-id'), 'utf8')).trim();
    const peersFile = join(raftDir, 'peers.json');
    await writeFile(peersFile, JSON.stringify([{ id: nodeId, address: `${address}:8300`, non_voter: false }]));

    const second = startServer(dir.path, []);
    await second.waitForOutput(/recovered the raft configuration from peers\.json/, 30_000);
    await waitForLeader(second);
    const value = await waitFor(async () => {
      const response = await fetch(`${base}/v1/kv/recovered?raw`);
      return response.ok ? response.text() : null;
    });
    assert.equal(value, 'yes');
    assert.equal(await exists(peersFile), false, 'peers.json is deleted after the recovery');
  });
});
