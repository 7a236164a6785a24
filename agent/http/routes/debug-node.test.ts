// Proves the agent's debug endpoints as Consul gates its pprof ones: absent (404) unless enable_debug is set; with it,
// a CPU profile that parses as DevTools' .cpuprofile, heap statistics and active handles, operator:read required, and
// a bad ?seconds= refused with 400. Also /v1/agent/host in Consul's HostInfo shape. Driven with fastify inject.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/log.js';
import type { AgentHandle } from '../../runtime/handle.js';
import { localStateForN1 } from '../../testing/local-fixtures.js';
import { buildHttpApi } from '../api.js';
import { testBuild, testConfig } from '../testing/fake-rpc.js';

const { state } = localStateForN1(new ManualClock());
const agent = { state, members: () => [], wanMembers: () => [], coordinate: () => null } as unknown as AgentHandle;
const runtime = { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 };

async function api(enableDebug: boolean, allowOperator = true) {
  const app = await buildHttpApi({
    config: testConfig({ node_name: 'n1', enable_debug: enableDebug }),
    build: testBuild,
    runtime,
    authorizer: { allows: (request) => allowOperator || request.resource !== 'operator' },
    log: silentLogger(),
    agent,
  });
  after(() => app.close());
  return app;
}

describe('/debug/node/*', () => {
  it('is not served without enable_debug', async () => {
    const app = await api(false);
    for (const path of ['/debug/node/profile?seconds=1', '/debug/node/heap', '/debug/node/handles']) {
      assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 404, path);
    }
  });

  it('serves a CPU profile, heap statistics and handles with enable_debug', async () => {
    const app = await api(true);
    const profile = await app.inject({ method: 'GET', url: '/debug/node/profile?seconds=1' });
    assert.equal(profile.statusCode, 200, profile.body);
    const parsed = JSON.parse(profile.body) as { nodes: unknown[]; samples: unknown[]; startTime: number };
    assert.ok(Array.isArray(parsed.nodes) && parsed.nodes.length > 0, 'the profile has call-tree nodes');
    assert.ok(Array.isArray(parsed.samples), 'the profile has samples');
    const heap = (await app.inject({ method: 'GET', url: '/debug/node/heap' })).json() as Record<string, unknown>;
    assert.ok((heap['heapStatistics'] as Record<string, number>)['used_heap_size']! > 0);
    assert.ok(Array.isArray(heap['heapSpaces']));
    const handles = (await app.inject({ method: 'GET', url: '/debug/node/handles' })).json() as Record<string, unknown>;
    assert.equal(handles['pid'], process.pid);
    assert.equal(typeof handles['activeResources'], 'object');
    assert.equal(typeof (handles['eventLoopDelayMs'] as Record<string, number>)['p99'], 'number');
  });

  it('refuses a bad ?seconds= and a token without operator:read', async () => {
    const app = await api(true);
    for (const seconds of ['0', '-1', 'abc', '1.5', '3601']) {
      const response = await app.inject({ method: 'GET', url: `/debug/node/profile?seconds=${seconds}` });
      assert.equal(response.statusCode, 400, seconds);
      assert.match(response.body, /seconds must be a whole number from 1 to 3600/);
    }
    const denied = await api(true, false);
    assert.equal((await denied.inject({ method: 'GET', url: '/debug/node/heap' })).statusCode, 403);
    assert.equal((await denied.inject({ method: 'GET', url: '/v1/agent/host' })).statusCode, 403);
  });
});

describe('/v1/agent/host', () => {
  it("answers Consul's HostInfo shape", async () => {
    const app = await api(false);
    const response = await app.inject({ method: 'GET', url: '/v1/agent/host' });
    assert.equal(response.statusCode, 200);
    const host = response.json() as Record<string, Record<string, unknown> | unknown[] | number | null>;
    assert.deepEqual(Object.keys(host).sort(), ['CPU', 'CollectionTime', 'Disk', 'Errors', 'Host', 'Memory']);
    assert.ok(Array.isArray(host['CPU']) && host['CPU'].length > 0);
    assert.equal(typeof host['CollectionTime'], 'number');
    if (process.platform === 'linux') {
      assert.equal(host['Errors'], null, JSON.stringify(host['Errors']));
      const memory = host['Memory'] as Record<string, number>;
      assert.ok(memory['total']! > 0 && memory['used']! > 0);
      assert.equal((host['Host'] as Record<string, unknown>)['os'], 'linux');
      assert.equal((host['Disk'] as Record<string, unknown>)['path'], '/');
    }
  });
});
