// Proves the ?wan forms of /v1/agent/members, /join and /force-leave on a server agent (fastify inject over a fake
// AgentHandle): WAN members in Consul's AgentMember shape with port 8302, `wan` read as non-empty on members and
// join but by presence on force-leave (as Consul does), a segment with wan=true refused with Consul's 400, a failed
// WAN join a 500 with the reason, an unknown WAN node Consul's "No node found" 500, and serf_wan in /self's Stats.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { UnknownMemberError } from '../../../gossip/driver.js';
import type { SerfMember } from '../../../gossip/serf/members.js';
import { ManualClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/log.js';
import type { AgentHandle } from '../../runtime/handle.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import { localStateForN1 } from '../../testing/local-fixtures.js';
import { buildHttpApi } from '../api.js';
import { testBuild, testConfig } from '../testing/fake-rpc.js';

const config = testConfig({ node_name: 'n1' });
assert.equal(config.server, true, '-dev config: a server');

const lanMembers: SerfMember[] = [
  { name: 'n1', address: '127.0.0.1:8301', tags: { role: 'consul', dc: 'dc1' }, status: 'alive', statusChangeMs: 0 },
];
const wanMembers: SerfMember[] = [
  {
    name: 'n1.dc1',
    address: '127.0.0.1:8302',
    tags: { role: 'consul', dc: 'dc1', port: '8300' },
    status: 'alive',
    statusChangeMs: 0,
  },
  {
    name: 's9.dc2',
    address: '10.0.0.9:8302',
    tags: { role: 'consul', dc: 'dc2', port: '8300' },
    status: 'failed',
    statusChangeMs: 0,
  },
];
const wanJoins: string[] = [];
const wanForceLeaves: [string, boolean][] = [];

function serverAgent(): AgentHandle {
  const clock = new ManualClock();
  const { state, registrar } = localStateForN1(clock);
  return {
    clock,
    state,
    registrar,
    checks: { updateTtl: () => undefined } as unknown as AgentHandle['checks'],
    metrics: new AgentMetrics({ state: () => state, members: () => lanMembers.length, healthScore: () => 0 }),
    members: () => lanMembers,
    coordinate: () => null,
    join: async () => 1,
    leave: async () => undefined,
    forceLeave: async () => undefined,
    reload: async () => undefined,
    keyManager: () => null,
    wanMembers: () => wanMembers,
    joinWan: async (address) => {
      if (address === '10.9.9.9') throw new Error('no WAN member answered');
      wanJoins.push(address);
      return 1;
    },
    forceLeaveWan: async (node, options) => {
      if (!wanMembers.some((member) => member.name === node)) throw new UnknownMemberError(node);
      wanForceLeaves.push([node, options.prune]);
    },
    wanKeyManager: () => null,
    logs: () => null,
    scriptChecksAllowed: () => false,
  };
}

const app = await buildHttpApi({
  config,
  build: testBuild,
  runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
  authorizer: { allows: () => true },
  log: silentLogger(),
  agent: serverAgent(),
});
after(() => app.close());

const get = (url: string) => app.inject({ method: 'GET', url });
const put = (url: string) => app.inject({ method: 'PUT', url });

describe('/v1/agent ?wan on a server', () => {
  it('lists the WAN pool for a non-empty wan, the LAN pool for a bare or empty one', async () => {
    const wan = (await get('/v1/agent/members?wan=1')).json() as Record<string, unknown>[];
    assert.deepEqual(
      wan.map((member) => [member['Name'], member['Addr'], member['Port'], member['Status']]),
      [
        ['n1.dc1', '127.0.0.1', 8302, 1],
        ['s9.dc2', '10.0.0.9', 8302, 4],
      ],
    );
    assert.equal((wan[1]!['Tags'] as Record<string, string>)['dc'], 'dc2');
    assert.equal(((await get('/v1/agent/members?wan=true')).json() as unknown[]).length, 2);
    for (const lan of ['/v1/agent/members?wan', '/v1/agent/members?wan='])
      assert.deepEqual(
        ((await get(lan)).json() as Record<string, unknown>[]).map((member) => member['Name']),
        ['n1'],
        lan,
      );
  });

  it('refuses a segment with wan=true, except "" and _all', async () => {
    const refused = await get('/v1/agent/members?wan=1&segment=alpha');
    assert.deepEqual([refused.statusCode, refused.body], [400, 'Cannot provide a segment with wan=true']);
    assert.equal((await get('/v1/agent/members?wan=1&segment=_all')).statusCode, 200);
    assert.equal((await get('/v1/agent/members?wan=1&segment=')).statusCode, 200);
  });

  it('joins the WAN pool with ?wan=1 (empty 200), and answers a failed join with 500 and the reason', async () => {
    const joined = await put('/v1/agent/join/10.0.0.9?wan=1');
    assert.deepEqual([joined.statusCode, joined.body], [200, '']);
    assert.deepEqual(wanJoins, ['10.0.0.9']);
    const failed = await put('/v1/agent/join/10.9.9.9?wan=1');
    assert.equal(failed.statusCode, 500);
    assert.match(failed.body, /Error joining 10\.9\.9\.9: no WAN member answered/);
  });

  it('force-leaves in the WAN pool with ?wan present (even bare), with ?prune; an unknown name is a 500', async () => {
    assert.equal((await put('/v1/agent/force-leave/s9.dc2?wan')).statusCode, 200);
    assert.equal((await put('/v1/agent/force-leave/s9.dc2?wan=1&prune')).statusCode, 200);
    assert.deepEqual(wanForceLeaves, [
      ['s9.dc2', false],
      ['s9.dc2', true],
    ]);
    const unknown = await put('/v1/agent/force-leave/s9?wan=1');
    assert.equal(unknown.statusCode, 500);
    assert.match(unknown.body, /agent: No node found with name 's9'/);
  });

  it('counts WAN members in /self Stats.serf_wan', async () => {
    const self = (await get('/v1/agent/self')).json() as { Stats: Record<string, Record<string, string>> };
    assert.deepEqual(self.Stats['serf_wan'], { members: '2' });
    assert.deepEqual(self.Stats['serf_lan'], { members: '1' });
  });
});
