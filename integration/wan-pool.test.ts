// Proves the WAN gossip pool on real processes, through the CLI and HTTP only: two single-server datacenters
// (dc1 on 127.0.0.230, dc2 on 127.0.0.231, each bootstrap_expect 1, gossip encrypted) joined with `lattice join -wan`
// see each other as "<node>.<dc>" in `lattice members -wan`; /v1/catalog/datacenters answers [dc1 dc2] on dc1 (also
// through a dc1 client agent on 127.0.0.232) and [dc2 dc1] on dc2; each server keeps the WAN keyring and snapshot
// in serf/remote.*; the client refuses `join -wan` with Consul's words; a SIGKILLed dc2 server becomes failed in
// dc1's WAN view, and `lattice force-leave -wan` turns it left, which drops dc2 from the datacenter list.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  getAgentJson,
  type LatticeProcess,
  runLattice,
  startLattice,
  waitFor,
  waitForHttp,
} from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const dc1 = '127.0.0.230';
const dc2 = '127.0.0.231';
const client = '127.0.0.232';
const deadlineMs = 30_000;
const key = randomBytes(32).toString('base64');
// Loopback WAN timings: a SIGKILLed server is found failed in seconds rather than WAN-preset minutes.
const fastWan =
  'gossip_wan { gossip_interval = "100ms" probe_interval = "200ms" probe_timeout = "100ms" suspicion_mult = 3 }';
const processes: LatticeProcess[] = [];
let dir: TempDir;

function startAgent(host: string, args: string[]): LatticeProcess {
  const process = startLattice([
    'agent',
    `-bind=${host}`,
    `-client=${host}`,
    `-data-dir=${dir.file(`data-${host}`)}`,
    `-encrypt=${key}`,
    '--hcl=performance { raft_multiplier = 1 }',
    ...args,
  ]);
  processes.push(process);
  return process;
}

function startServer(host: string, node: string, datacenter: string): LatticeProcess {
  return startAgent(host, [
    '-server',
    '-bootstrap-expect=1',
    `-datacenter=${datacenter}`,
    `-node=${node}`,
    `--hcl=${fastWan}`,
  ]);
}

interface Member {
  Name: string;
  Port: number;
  Status: number;
  Tags: Record<string, string>;
}

const getJson = <T>(host: string, path: string): Promise<T> => getAgentJson<T>(host, path, 2_000);

const wanStatus = async (host: string, name: string) =>
  (await getJson<Member[]>(host, '/v1/agent/members?wan=1')).find((member) => member.Name === name)?.Status;

describe('the WAN pool between two datacenters', () => {
  before(async () => {
    dir = await makeTempDir();
    const servers = [startServer(dc1, 'alpha', 'dc1'), startServer(dc2, 'beta', 'dc2')];
    startAgent(client, ['-datacenter=dc1', '-node=gamma', `-retry-join=${dc1}`, '-retry-interval=1s']);
    for (const [position, host] of [dc1, dc2].entries())
      await waitFor(
        async () => {
          if (servers[position]!.hasExited) throw new Error(`the ${host} server exited\n${servers[position]!.output}`);
          return (await getJson<string>(host, '/v1/status/leader')) !== '';
        },
        { deadlineMs, what: `a leader in ${host}'s datacenter` },
      );
    await waitForHttp(`http://${client}:8500/v1/agent/self`, { process: processes[2]!, deadlineMs });
  });

  after(async () => {
    for (const process of processes) process.kill();
    await Promise.all(processes.map((process) => process.waitForExit().catch(() => undefined)));
    await dir?.remove();
  });

  it('joins with `lattice join -wan`; both servers list each other as <node>.<dc>', async () => {
    const joined = await runLattice(['join', '-wan', `-http-addr=${dc2}:8500`, dc1]);
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /Successfully joined cluster by contacting 1 nodes\./);

    for (const host of [dc1, dc2])
      await waitFor(
        async () => (await wanStatus(host, 'alpha.dc1')) === 1 && (await wanStatus(host, 'beta.dc2')) === 1,
        {
          deadlineMs,
          what: `${host} sees both servers alive in the WAN pool`,
        },
      );
    const listed = await runLattice(['members', '-wan', `-http-addr=${dc1}:8500`]);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trim().split('\n');
    assert.match(rows[0]!, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Partition\s+Segment$/);
    assert.match(rows[1]!, /^alpha\.dc1\s+127\.0\.0\.230:8302\s+alive\s+server\s+\S+\s+2\s+dc1\s+default\s+<all>$/);
    assert.match(rows[2]!, /^beta\.dc2\s+127\.0\.0\.231:8302\s+alive\s+server\s+\S+\s+2\s+dc2\s+default\s+<all>$/);
    assert.equal(rows.length, 3, 'servers only: the client agent is in no WAN pool');

    const lan = await runLattice(['members', `-http-addr=${dc1}:8500`]);
    assert.match(lan.stdout, /^alpha\s/m, 'the LAN pool keeps plain node names');
    assert.match(lan.stdout, /^gamma\s/m);
    assert.doesNotMatch(lan.stdout, /beta/, 'the other datacenter is not in the LAN pool');
  });

  it('lists every datacenter the WAN pool knows, its own first', async () => {
    assert.deepEqual(await getJson<string[]>(dc1, '/v1/catalog/datacenters'), ['dc1', 'dc2']);
    assert.deepEqual(await getJson<string[]>(dc2, '/v1/catalog/datacenters'), ['dc2', 'dc1']);
    // Each datacenter's servers with their WAN coordinates (once a probe measured one), names without ".<dc>".
    type DatacenterMap = { Datacenter: string; AreaID: string; Coordinates: { Node: string }[] };
    const summary = (maps: DatacenterMap[]) =>
      JSON.stringify(maps.map((map) => [map.Datacenter, map.AreaID, map.Coordinates.map((entry) => entry.Node)]));
    await waitFor(
      async () =>
        summary(await getJson<DatacenterMap[]>(dc1, '/v1/coordinate/datacenters')) ===
        JSON.stringify([
          ['dc1', 'wan', ['alpha']],
          ['dc2', 'wan', ['beta']],
        ]),
      { deadlineMs, what: "dc1's /v1/coordinate/datacenters with both servers' WAN coordinates" },
    );
    // A client agent asks a server of its own datacenter.
    await waitFor(
      async () =>
        JSON.stringify(await getJson<string[]>(client, '/v1/catalog/datacenters')) === JSON.stringify(['dc1', 'dc2']),
      { deadlineMs, what: 'the dc1 client lists [dc1, dc2]' },
    );
  });

  it('keeps the WAN keyring and snapshot in serf/remote.*, beside the LAN pool files', async () => {
    for (const host of [dc1, dc2])
      for (const file of ['serf/local.keyring', 'serf/remote.keyring', 'serf/local.snapshot', 'serf/remote.snapshot'])
        await access(dir.file(`data-${host}/${file}`));
    const metrics = await fetch(`http://${dc1}:8500/v1/agent/metrics?format=prometheus`).then((answer) =>
      answer.text(),
    );
    assert.match(metrics, /consul_serf_wan_members\{status="alive"\} 2/);
  });

  it("refuses `join -wan` on a client agent with Consul's message", async () => {
    const refused = await runLattice(['join', '-wan', `-http-addr=${client}:8500`, dc1]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /Must be a server to join WAN cluster/);
    assert.deepEqual(await getJson<Member[]>(client, '/v1/agent/members?wan=1'), []);
  });

  it('marks a SIGKILLed dc2 server failed in the WAN pool; force-leave -wan makes it left', async () => {
    const dc2Server = processes[1]!;
    dc2Server.kill();
    await dc2Server.waitForExit();
    await waitFor(async () => (await wanStatus(dc1, 'beta.dc2')) === 4, {
      deadlineMs,
      what: "beta.dc2 failed in dc1's WAN view",
    });
    const members = await runLattice(['members', '-wan', '-status=failed', `-http-addr=${dc1}:8500`]);
    assert.match(members.stdout, /^beta\.dc2\s+127\.0\.0\.231:8302\s+failed\s+server/m);
    assert.deepEqual(
      await getJson<string[]>(dc1, '/v1/catalog/datacenters'),
      ['dc1', 'dc2'],
      'a failed server still names its datacenter',
    );

    const forced = await runLattice(['force-leave', '-wan', `-http-addr=${dc1}:8500`, 'beta.dc2']);
    assert.equal(forced.code, 0, forced.stderr);
    await waitFor(async () => (await wanStatus(dc1, 'beta.dc2')) === 3, { deadlineMs, what: 'beta.dc2 left' });
    assert.deepEqual(await getJson<string[]>(dc1, '/v1/catalog/datacenters'), ['dc1']);

    const unknown = await runLattice(['force-leave', '-wan', `-http-addr=${dc1}:8500`, 'nobody.dc9']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No node found with name 'nobody\.dc9'/);
  });
});
