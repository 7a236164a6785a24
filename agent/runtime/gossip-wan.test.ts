// Proves a server's WAN pool on real UDP/TCP sockets (127.0.0.234–.236, free ports): the WAN preset timings (and
// gossip_wan on top), member names "<node>.<dc>" with the server tags and no wan_join_port, the pool's own keyring
// and snapshot files (serf/remote.*, never the LAN pool's serf/local.*), start_join_wan and retry_join_wan, a failed
// start_join_wan stopping the start with the port released, the datacenters each side lists (its own first), and
// the WAN metrics.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { waitUntil, waitUntilAsync } from '../../gossip/testing/wait.js';
import { RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { testEnvironment } from '../config/testing.js';
import type { AgentConfig } from '../config/types.js';
import { validateConfig } from '../config/validate.js';
import { WanMembership, wanGossipConfig, wanMemberTags } from './gossip-wan.js';

const build = { version: '0.1.0', consulVersion: '1.20.0', revision: 'abc', buildDate: '2026-01-01T00:00:00Z' };
const key = randomBytes(32).toString('base64');
const running: WanMembership[] = [];
/** These tests run WAN pools alone: no LAN pool feeds the flooder (wan-flooder.test.ts covers it). */
const noLanPool = { members: () => [], onMemberJoin: () => () => undefined };
const dataDirs: string[] = [];

after(async () => {
  for (const membership of running) await membership.stop();
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

function serverConfig(values: Record<string, unknown>, devMode = false): AgentConfig {
  const result = validateConfig([{ sourceName: 'test', values: { server: true, bootstrap: true, ...values } }], {
    devMode,
    environment: testEnvironment,
  });
  assert.deepEqual(result.errors, []);
  return result.config!;
}

async function startMembership(
  node: string,
  datacenter: string,
  address: string,
  extra: Record<string, unknown> = {},
): Promise<{ membership: WanMembership; registry: Registry; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lattice-wan-'));
  dataDirs.push(dataDir);
  const config = serverConfig({
    node_name: node,
    datacenter,
    bind_addr: address,
    data_dir: dataDir,
    encrypt: key,
    // Fast enough for a test on loopback; the preset itself is checked separately.
    gossip_wan: { gossip_interval: '50ms', probe_interval: '200ms', probe_timeout: '100ms', suspicion_mult: 3 },
    ...extra,
  });
  const registry = new Registry();
  const membership = new WanMembership(
    {
      clock: new RealClock(),
      rand: new SeededRand(node.length),
      log: silentLogger(),
      build,
      metricsRegistry: registry,
      lan: noLanPool,
      onGiveUp: (error) => assert.fail(`retry_join_wan gave up: ${error.message}`),
    },
    { ...config, ports: { ...config.ports, serfWan: 0 } },
  );
  await membership.start();
  running.push(membership);
  return { membership, registry, dataDir };
}

const namesOf = (membership: WanMembership) =>
  membership
    .members()
    .filter((member) => member.status === 'alive')
    .map((member) => member.name)
    .sort();

describe('WAN gossip settings', () => {
  it("uses memberlist's WAN preset with Consul's gossip_wan defaults, and -dev's fast timings in -dev", () => {
    const wan = wanGossipConfig(serverConfig({ data_dir: '/data' }));
    assert.deepEqual(
      [wan.probeIntervalMs, wan.probeTimeoutMs, wan.suspicionMultiplier, wan.gossipIntervalMs, wan.gossipNodes],
      [5_000, 3_000, 6, 500, 3],
    );
    assert.equal(wan.pushPullIntervalMs, 60_000, 'the WAN preset, not the LAN one');
    assert.equal(wan.retransmitMultiplier, 4, 'Consul keeps the LAN retransmit_mult on the WAN');
    const dev = wanGossipConfig(serverConfig({}, true));
    assert.deepEqual([dev.probeIntervalMs, dev.probeTimeoutMs, dev.suspicionMultiplier], [100, 100, 3]);
    const tuned = wanGossipConfig(serverConfig({ data_dir: '/data', gossip_wan: { probe_interval: '10s' } }));
    assert.equal(tuned.probeIntervalMs, 10_000);
  });

  it('tags WAN members as servers of their datacenter, without the LAN-only wan_join_port', () => {
    const tags = wanMemberTags(
      serverConfig({ data_dir: '/data', datacenter: 'east', bootstrap: false, bootstrap_expect: 3 }),
      build,
    );
    assert.equal(tags['role'], 'consul');
    assert.equal(tags['dc'], 'east');
    assert.equal(tags['port'], '8300');
    assert.equal(tags['expect'], '3');
    assert.equal(tags['build'], '1.20.0:abc');
    assert.equal(tags['wan_join_port'], undefined);
  });
});

describe('a WAN pool between two datacenters', () => {
  it('joins through start_join_wan and retry_join_wan; each side lists its own datacenter first', async () => {
    const first = await startMembership('alpha', 'dc1', '127.0.0.234');
    const firstAddress = first.membership.driver.localAddress();
    const second = await startMembership('beta', 'dc2', '127.0.0.235', { start_join_wan: [firstAddress] });
    await waitUntil(
      () => namesOf(first.membership).length === 2 && namesOf(second.membership).length === 2,
      'both servers see each other in the WAN pool',
      { deadlineMs: 10_000 },
    );
    assert.deepEqual(namesOf(first.membership), ['alpha.dc1', 'beta.dc2']);
    const beta = first.membership.members().find((member) => member.name === 'beta.dc2')!;
    assert.deepEqual([beta.tags['role'], beta.tags['dc']], ['consul', 'dc2']);
    assert.deepEqual(first.membership.pool.datacenters(), ['dc1', 'dc2']);
    assert.deepEqual(second.membership.pool.datacenters(), ['dc2', 'dc1']);
    assert.deepEqual(
      first.membership.pool.aliveServersIn('dc2').map((server) => server.rpcAddress),
      ['127.0.0.235:8300'],
    );

    // A third datacenter found through retry_join_wan, in the background.
    const third = await startMembership('gamma', 'dc3', '127.0.0.236', { retry_join_wan: [firstAddress] });
    await waitUntil(() => namesOf(third.membership).length === 3, 'retry_join_wan joined the pool', {
      deadlineMs: 10_000,
    });
    await waitUntil(() => first.membership.pool.datacenters().length === 3, 'dc1 knows dc3', { deadlineMs: 10_000 });
    assert.equal(first.membership.pool.datacenters()[0], 'dc1');

    // The WAN pool keeps its own files: serf/remote.keyring and serf/remote.snapshot, never serf/local.*.
    const dir = first.dataDir;
    await access(join(dir, 'serf', 'remote.keyring'));
    await waitUntilAsync(
      () =>
        access(join(dir, 'serf', 'remote.snapshot')).then(
          () => true,
          () => false,
        ),
      'serf/remote.snapshot written',
    );
    await assert.rejects(access(join(dir, 'serf', 'local.keyring')), { code: 'ENOENT' });
    await assert.rejects(access(join(dir, 'serf', 'local.snapshot')), { code: 'ENOENT' });

    const metrics = await first.registry.metrics();
    assert.match(metrics, /consul_serf_wan_members\{status="alive"\} 3/);
    assert.match(metrics, /consul_serf_member_join\{network="wan"\} [23]/);
  });

  it('stops the start when start_join_wan reaches nobody, releasing its port', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-wan-'));
    dataDirs.push(dataDir);
    const config = serverConfig({
      node_name: 'lonely',
      bind_addr: '127.0.0.236',
      data_dir: dataDir,
      start_join_wan: ['127.0.0.236:9'],
    });
    const membership = new WanMembership(
      {
        clock: new RealClock(),
        rand: new SeededRand(1),
        log: silentLogger(),
        build,
        metricsRegistry: new Registry(),
        lan: noLanPool,
        onGiveUp: () => undefined,
      },
      { ...config, ports: { ...config.ports, serfWan: 0 } },
    );
    await assert.rejects(membership.start(), /127\.0\.0\.236:9/);
    assert.deepEqual(membership.members(), []);
    assert.equal(membership.keyManager(), null);
  });
});
