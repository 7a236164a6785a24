// Proves /v1/agent/self Stats on a real -dev server agent (the in-process Server through serverControlPlane, on
// 127.32.0.11): once it leads, the consul section says leader=true with its own Raft address as leader_addr, and
// the raft section reads Leader, last_contact 0, num_peers 0 and a configuration holding this server as a voter.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../lib/log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { Agent } from '../agent.js';
import { testEnvironment } from '../config/testing.js';
import { validateConfig } from '../config/validate.js';
import { serverControlPlane } from './server-control-plane.js';

const build = { version: '0.1.0', consulVersion: '1.20.0', revision: '', buildDate: '2026-01-01T00:00:00Z' };

let agent: Agent;
let base = '';
let nodeId = '';
before(async () => {
  const result = validateConfig(
    [{ sourceName: 'test', values: { node_name: 'stats', bind_addr: '127.32.0.11', client_addr: '127.32.0.11' } }],
    { devMode: true, environment: testEnvironment },
  );
  assert.deepEqual(result.errors, []);
  const config = { ...result.config!, ports: { ...result.config!.ports, http: 0, serfLan: 0, serfWan: -1, dns: -1 } };
  nodeId = config.nodeId;
  agent = new Agent({ log: silentLogger(), build, controlPlane: serverControlPlane() }, config);
  await agent.start();
  base = `http://${agent.httpAddresses[0]}`;
});
after(() => agent.stop());

type Stats = Record<string, Record<string, string>>;

async function stats(): Promise<Stats> {
  const response = await fetch(`${base}/v1/agent/self`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { Stats: Stats }).Stats;
}

describe('agent Stats on a server', () => {
  it('reports consul and raft sections once the server leads', async () => {
    await waitForCondition(async () => (await stats())['consul']?.['leader'] === 'true', 'leadership', {
      deadlineMs: 20_000,
    });
    const { consul, raft } = await stats();
    assert.equal(consul?.['server'], 'true');
    assert.equal(consul?.['acl'], 'disabled');
    assert.equal(consul?.['known_datacenters'], '1');
    assert.match(consul?.['leader_addr'] ?? '', /^127\.32\.0\.11:\d+$/);
    assert.equal(raft?.['state'], 'Leader');
    assert.equal(raft?.['last_contact'], '0');
    assert.equal(raft?.['num_peers'], '0');
    assert.equal(raft?.['latest_configuration'], `[{Suffrage:Voter ID:${nodeId} Address:${consul?.['leader_addr']}}]`);
    for (const key of ['term', 'last_log_index', 'commit_index', 'applied_index']) {
      assert.match(raft?.[key] ?? '', /^\d+$/, key);
    }
  });
});
