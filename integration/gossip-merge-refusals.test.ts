// Proves on real processes, through the CLI and HTTP only, that the gossip pools refuse members Consul's merge
// delegates refuse (agent/consul/merge.go), so one mistaken join cannot merge two pools: dc1 (servers x1 on
// 127.34.0.10 and x2 on 127.34.0.11) and dc2 (server y1 on 127.34.0.20). A WAN join from y1 aimed at x1's LAN port
// fails with "part of wrong datacenter"; a LAN join from y1 to x1 fails the same way; a client (127.34.0.12) with
// x1's node ID, and one (127.34.0.13) with x2's, fail to join with "conflicting node ID"; after each, dc1's LAN
// pool and catalog and y1's LAN and WAN pools are unchanged.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, RetryableError, runLattice, startLattice, waitFor } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const x1 = '127.34.0.10';
const x2 = '127.34.0.11';
const client = '127.34.0.12';
const y1 = '127.34.0.20';
const client2 = '127.34.0.13';
const x1NodeId = '5e1f2c3a-0000-4000-8000-000000000010';
const x2NodeId = '5e1f2c3a-0000-4000-8000-000000000011';
const deadlineMs = 30_000;
const processes: LatticeProcess[] = [];
let dir: TempDir;

function startAgent(host: string, args: string[]): LatticeProcess {
  const process = startLattice([
    'agent',
    `-bind=${host}`,
    `-client=${host}`,
    `-data-dir=${dir.file(`data-${host}`)}`,
    '--hcl=performance { raft_multiplier = 1 }',
    ...args,
  ]);
  processes.push(process);
  return process;
}

interface Member {
  Name: string;
  Status: number;
}

async function memberNames(host: string, wan = false): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch(`http://${host}:8500/v1/agent/members${wan ? '?wan=1' : ''}`, {
      signal: AbortSignal.timeout(2_000),
    });
  } catch (error) {
    throw new RetryableError(error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw new RetryableError(`HTTP ${response.status}`);
  return ((await response.json()) as Member[]).map((member) => member.Name).sort();
}

async function catalogNodes(host: string): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch(`http://${host}:8500/v1/catalog/nodes`, { signal: AbortSignal.timeout(2_000) });
  } catch (error) {
    throw new RetryableError(error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw new RetryableError(`HTTP ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { Node: string }[]).map((node) => node.Node).sort();
}

/** Fails at once, with its output, if an agent exited. */
function checkAgents(): void {
  for (const process of processes) if (process.hasExited) throw new Error(`an agent exited\n${process.output}`);
}

describe('gossip pools refuse members of another pool (Consul merge delegates)', () => {
  before(async () => {
    dir = await makeTempDir();
    startAgent(x1, ['-server', '-bootstrap-expect=2', '-datacenter=dc1', '-node=x1', `-node-id=${x1NodeId}`]);
    startAgent(x2, [
      '-server',
      '-bootstrap-expect=2',
      '-datacenter=dc1',
      '-node=x2',
      `-node-id=${x2NodeId}`,
      `-retry-join=${x1}`,
    ]);
    startAgent(y1, ['-server', '-bootstrap-expect=1', '-datacenter=dc2', '-node=y1']);
    await waitFor(
      async () => {
        checkAgents();
        return JSON.stringify(await memberNames(x1)) === JSON.stringify(['x1', 'x2']);
      },
      { deadlineMs, what: "dc1's LAN pool of x1 and x2" },
    );
    await waitFor(async () => JSON.stringify(await catalogNodes(x1)) === JSON.stringify(['x1', 'x2']), {
      deadlineMs,
      what: "dc1's catalog of x1 and x2",
    });
    await waitFor(async () => (await memberNames(y1, true)).includes('y1.dc2'), { deadlineMs, what: "y1's WAN pool" });
  });

  after(async () => {
    for (const process of processes) process.kill();
    await Promise.all(processes.map((process) => process.waitForExit().catch(() => undefined)));
    await dir?.remove();
  });

  const assertPoolsUnchanged = async () => {
    assert.deepEqual(await memberNames(x1), ['x1', 'x2']);
    assert.deepEqual(await memberNames(x2), ['x1', 'x2']);
    assert.deepEqual(await memberNames(y1), ['y1']);
    assert.deepEqual(await memberNames(y1, true), ['y1.dc2']);
    assert.deepEqual(await catalogNodes(x1), ['x1', 'x2']);
  };

  it("fails a WAN join aimed at dc1's LAN port with Consul's text; nothing merges", async () => {
    const joined = await runLattice(['join', '-wan', `-http-addr=${y1}:8500`, `${x1}:8301`]);
    assert.equal(joined.code, 1, joined.stdout);
    assert.match(joined.stderr, /Member 'y1\.dc2' part of wrong datacenter 'dc2'/);
    await assertPoolsUnchanged();
  });

  it('fails a LAN join from dc2 to dc1 with "part of wrong datacenter"; nothing merges', async () => {
    const joined = await runLattice(['join', `-http-addr=${y1}:8500`, x1]);
    assert.equal(joined.code, 1, joined.stdout);
    assert.match(joined.stderr, /Member 'y1' part of wrong datacenter 'dc2'/);
    await assertPoolsUnchanged();
  });

  it("fails a client's join when it carries a server's node ID; the server stays in the catalog", async () => {
    const duplicate = startAgent(client, ['-datacenter=dc1', '-node=c1', `-node-id=${x1NodeId}`]);
    await waitFor(async () => (await memberNames(client)).includes('c1'), { deadlineMs, what: 'the client up' });
    const joined = await runLattice(['join', `-http-addr=${client}:8500`, x1]);
    assert.equal(joined.code, 1, joined.stdout);
    assert.match(joined.stderr, new RegExp(`Member 'c1' has conflicting node ID '${x1NodeId}' with this agent's ID`));
    assert.deepEqual(await memberNames(client), ['c1']);
    await assertPoolsUnchanged();
    duplicate.kill();
  });

  it("fails a client's join when it carries the node ID of another member the seed knows", async () => {
    const duplicate = startAgent(client2, ['-datacenter=dc1', '-node=c2', `-node-id=${x2NodeId}`]);
    await waitFor(async () => (await memberNames(client2)).includes('c2'), { deadlineMs, what: 'the client up' });
    const joined = await runLattice(['join', `-http-addr=${client2}:8500`, x1]);
    assert.equal(joined.code, 1, joined.stdout);
    assert.match(joined.stderr, new RegExp(`Member 'c2' has conflicting node ID '${x2NodeId}' with member 'x2'`));
    assert.deepEqual(await memberNames(client2), ['c2']);
    await assertPoolsUnchanged();
    duplicate.kill();
  });
});
