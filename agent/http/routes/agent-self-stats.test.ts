// Proves that /v1/agent/self merges the control plane's Stats sections (consul, and raft on servers) into Stats
// beside agent, build, runtime and serf_lan, as Consul's Agent.Stats merges its delegate's.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/log.js';
import type { AgentHandle } from '../../runtime/handle.js';
import { localStateForN1 } from '../../testing/local-fixtures.js';
import { buildHttpApi } from '../api.js';
import { testBuild, testConfig } from '../testing/fake-rpc.js';

const { state } = localStateForN1(new ManualClock());
const sections = {
  consul: { server: 'false', known_servers: '2', acl: 'disabled' },
};
const agent = {
  state,
  members: () => [],
  wanMembers: () => [],
  coordinate: () => null,
  controlPlaneStats: () => sections,
} as unknown as AgentHandle;

const app = await buildHttpApi({
  config: testConfig({ node_name: 'n1' }),
  build: testBuild,
  runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
  authorizer: { allows: () => true },
  log: silentLogger(),
  agent,
});
after(() => app.close());

describe('/v1/agent/self Stats', () => {
  it('carries the consul section of the control plane', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/agent/self' });
    assert.equal(response.statusCode, 200);
    const stats = (response.json() as { Stats: Record<string, Record<string, string>> }).Stats;
    assert.deepEqual(stats['consul'], sections.consul);
    assert.ok(stats['agent'] && stats['build'] && stats['runtime'] && stats['serf_lan'], 'the agent sections stay');
  });
});
