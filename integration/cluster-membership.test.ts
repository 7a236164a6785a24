// Proves Raft membership follows the LAN pool on real processes, through the CLI and HTTP only: a fourth server
// started after three bootstrapped with bootstrap_expect=3 is added as a non-voter and promoted to voter by
// autopilot once stable; autopilot health reports every server healthy; when it leaves gracefully the leader
// removes it from the Raft configuration, and the cluster keeps answering.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, RetryableError, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const hosts = ['127.0.0.40', '127.0.0.41', '127.0.0.42'];
const lateHost = '127.0.0.43';
const deadlineMs = 60_000;
const processes: LatticeProcess[] = [];
let dir: TempDir;

function startServer(host: string): LatticeProcess {
  const process = startLattice([
    'agent',
    '-server',
    '-bootstrap-expect=3',
    `-retry-join=${hosts[0]}`,
    '-retry-interval=1s',
    `-bind=${host}`,
    `-client=${host}`,
    `-data-dir=${dir.file(`data-${host}`)}`,
    `-node=server-${host.split('.').at(-1)}`,
    '--hcl=performance { raft_multiplier = 1 }',
  ]);
  processes.push(process);
  return process;
}

interface RaftServer {
  Node: string;
  Address: string;
  Voter: boolean;
  Leader: boolean;
}

async function configuration(host: string): Promise<RaftServer[]> {
  try {
    const response = await fetch(`http://${host}:8500/v1/operator/raft/configuration`);
    if (!response.ok) throw new RetryableError(`HTTP ${response.status}`);
    return ((await response.json()) as { Servers: RaftServer[] }).Servers;
  } catch (error) {
    if (error instanceof RetryableError) throw error;
    throw new RetryableError(error instanceof Error ? error.message : String(error));
  }
}

describe('Raft membership follows the LAN pool', () => {
  before(async () => {
    dir = await makeTempDir();
    for (const host of hosts) startServer(host);
    for (const [position, host] of hosts.entries())
      await waitForHttp(`http://${host}:8500/v1/agent/self`, { process: processes[position] as LatticeProcess });
    await waitFor(async () => (await configuration(hosts[0] as string)).length === 3, {
      deadlineMs,
      what: 'three voters after bootstrap',
    });
  });

  after(async () => {
    for (const process of processes) if (!process.hasExited) process.kill();
    await dir?.remove();
  });

  it('adds a late server as a non-voter and promotes it once stable', async () => {
    const late = startServer(lateHost);
    await waitForHttp(`http://${lateHost}:8500/v1/agent/self`, { process: late });
    const servers = await waitFor(
      async () => {
        const current = await configuration(hosts[1] as string);
        const added = current.find((server) => server.Address === `${lateHost}:8300`);
        return added?.Voter ? current : null;
      },
      { deadlineMs, what: 'the late server to become a voter' },
    );
    assert.equal(servers.length, 4);
    assert.equal(servers.filter((server) => server.Leader).length, 1);
    const health = await waitFor(
      async () => {
        const response = await fetch(`http://${hosts[2]}:8500/v1/operator/autopilot/health`);
        if (!response.ok) throw new RetryableError(`HTTP ${response.status}`);
        const body = (await response.json()) as { Healthy: boolean; Servers: { Healthy: boolean }[] };
        return body.Healthy && body.Servers.length === 4 ? body : null;
      },
      { deadlineMs, what: 'autopilot to report four healthy servers' },
    );
    assert.ok(health.Servers.every((server) => server.Healthy));
  });

  it('removes a server that leaves gracefully from Raft', async () => {
    const response = await fetch(`http://${lateHost}:8500/v1/agent/leave`, { method: 'PUT' });
    assert.equal(response.status, 200);
    await waitFor(
      async () => {
        const current = await configuration(hosts[0] as string);
        return current.length === 3 && !current.some((server) => server.Address === `${lateHost}:8300`);
      },
      { deadlineMs, what: 'the leaving server to be removed from Raft' },
    );
    const nodes = await fetch(`http://${hosts[1]}:8500/v1/catalog/nodes`);
    assert.equal(nodes.status, 200);
  });
});
