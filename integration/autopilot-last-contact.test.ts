// Proves Consul's autopilot default holds on real servers at the default raft_multiplier (5): three servers on
// 127.37.1.1-3 store LastContactThreshold 200ms (Consul's autopilot.last_contact_threshold default), and twenty
// fresh health readings in a row (each asks every follower for its Raft stats) find every server healthy, because
// the leader contacts each follower at least every 50 ms (server/server-config.ts) as hashicorp/raft does.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  getAgentJson,
  type LatticeProcess,
  RetryableError,
  startLattice,
  waitFor,
  waitForHttp,
} from './helpers/lattice-process.js';
import { serverAgentArgs } from './helpers/server-args.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const hosts = ['127.37.1.1', '127.37.1.2', '127.37.1.3'];
// An election at raft_multiplier 5 waits 5-10 s; the gossip join and autopilot's first passes come on top.
const deadlineMs = 60_000;
const readingCount = 20;
const processes: LatticeProcess[] = [];
let dir: TempDir;

interface Health {
  Healthy: boolean;
  Servers: { Name: string; Healthy: boolean; Leader: boolean; LastContact: string }[];
}

/** One fresh autopilot health reading; Consul answers 429 with the same body when a server is unhealthy. */
async function health(host: string): Promise<Health> {
  let response: Response;
  try {
    response = await fetch(`http://${host}:8500/v1/operator/autopilot/health`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new RetryableError(error instanceof Error ? error.message : String(error));
  }
  if (response.status !== 200 && response.status !== 429) throw new RetryableError(`HTTP ${response.status}`);
  return (await response.json()) as Health;
}

describe('autopilot last contact threshold at the default raft_multiplier', () => {
  before(async () => {
    dir = await makeTempDir();
    for (const host of hosts) {
      const args = serverAgentArgs({ host, seed: hosts[0] as string, dataDir: dir.file(host), namePrefix: 'ap' });
      processes.push(startLattice(args));
    }
    for (const [position, host] of hosts.entries())
      await waitForHttp(`http://${host}:8500/v1/agent/self`, { process: processes[position] as LatticeProcess });
  });

  after(async () => {
    for (const process of processes) if (!process.hasExited) process.kill();
    await dir?.remove();
  });

  it("stores Consul's 200ms threshold and keeps every server healthy under it", async () => {
    const first = await waitFor(
      async () => {
        const reading = await health(hosts[1] as string);
        return reading.Healthy && reading.Servers.length === 3 ? reading : null;
      },
      { deadlineMs, intervalMs: 250, what: 'autopilot to report three healthy servers' },
    );
    assert.equal(first.Servers.filter((server) => server.Leader).length, 1);
    const configuration = await getAgentJson<{ LastContactThreshold: string }>(
      hosts[2] as string,
      '/v1/operator/autopilot/configuration',
    );
    assert.equal(configuration.LastContactThreshold, '200ms');
    for (let reading = 0; reading < readingCount; reading++) {
      const current = await health(hosts[reading % hosts.length] as string);
      const unhealthy = current.Servers.filter((server) => !server.Healthy);
      assert.deepEqual(unhealthy, [], `reading ${reading + 1} of ${readingCount}: ${JSON.stringify(current)}`);
      assert.equal(current.Healthy, true);
    }
  });
});
