// Proves a write through a follower rides out a leader failover, as Consul's rpc_hold_timeout promises: three
// `lattice agent -server -bootstrap-expect=3` on 127.23.0.21-23, the leader SIGKILLed, then a KV PUT sent to a
// follower that still names the dead leader answers 200 true once the new leader is elected (its forward to the
// dead leader is refused, which proves the write never left, so it is retried with backoff) instead of 500; the
// value is then there on the new leader.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, RetryableError, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { serverAgentArgs } from './helpers/server-args.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const serverHosts = ['127.23.0.21', '127.23.0.22', '127.23.0.23'];
/** raft_multiplier 1: an election in about a second, well inside the default 7 s rpc_hold_timeout. */
const fastRaft = '--hcl=performance { raft_multiplier = 1 }';
const clusterDeadlineMs = 60_000;

const processes = new Map<string, LatticeProcess>();
let dir: TempDir;

function serverArgs(host: string): string[] {
  return serverAgentArgs({
    host,
    seed: serverHosts[0]!,
    dataDir: dir.file(`data-${host}`),
    namePrefix: 'failover',
    extra: [fastRaft],
  });
}

async function leaderAddress(host: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`http://${host}:8500/v1/status/leader`, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new RetryableError(`${host}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (await response.json()) as string;
}

async function put(host: string, key: string, value: string): Promise<Response> {
  return fetch(`http://${host}:8500/v1/kv/${key}`, {
    method: 'PUT',
    body: value,
    signal: AbortSignal.timeout(30_000),
  });
}

describe('a write through a follower during a leader failover', () => {
  before(async () => {
    dir = await makeTempDir();
    for (const host of serverHosts) processes.set(host, startLattice(serverArgs(host)));
    for (const [host, process] of processes) await waitForHttp(`http://${host}:8500/v1/agent/self`, { process });
  });

  after(async () => {
    for (const process of processes.values()) if (!process.hasExited) process.kill();
    await dir?.remove();
  });

  it('succeeds once the new leader is elected instead of answering 500', async () => {
    const leader = await waitFor(
      async () => {
        const addresses = new Set(await Promise.all(serverHosts.map(leaderAddress)));
        const [address] = [...addresses];
        if (addresses.size !== 1 || !address) return null;
        // A write through the leader proves it is ready for KV.
        return (await put(address.split(':')[0] as string, 'ready', 'x')).ok ? address : null;
      },
      { deadlineMs: clusterDeadlineMs, what: 'one leader agreed by every server, taking writes' },
    );
    const leaderHost = leader.split(':')[0] as string;
    const follower = serverHosts.find((host) => host !== leaderHost) as string;
    // Every follower has the leader's forwarding connection up, as in steady state.
    const warm = await put(follower, 'before', 'one');
    assert.equal(warm.status, 200, await warm.text());

    const killed = processes.get(leaderHost) as LatticeProcess;
    killed.kill();
    await killed.waitForExit();
    assert.equal(await leaderAddress(follower), leader, 'the follower still names the dead leader');

    const during = await put(follower, 'during', 'two');
    assert.equal(during.status, 200, await during.clone().text());
    assert.equal(await during.text(), 'true');

    const newLeader = await leaderAddress(follower);
    assert.ok(newLeader !== '' && newLeader !== leader, `new leader: ${newLeader}`);
    const read = await fetch(`http://${newLeader.split(':')[0]}:8500/v1/kv/during?raw&consistent`);
    assert.equal(read.status, 200);
    assert.equal(await read.text(), 'two');
  });
});
