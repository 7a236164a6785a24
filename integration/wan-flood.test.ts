// Proves Consul's LAN → WAN flood-join on real processes, through the CLI and HTTP only: dc1's server alpha
// (127.28.0.1) and dc2's server gamma (127.28.0.3) are joined with one `lattice join -wan`; then a second dc1 server,
// beta (127.28.0.2), joins dc1's LAN pool only (-retry-join alpha, no WAN join of its own). Because servers
// advertise wan_join_port in their LAN tags and flood LAN servers into the WAN pool, beta.dc1 turns up alive in
// `lattice members -wan` on gamma, in the other datacenter (without the flooder beta stays alone in its WAN pool).
// The serf member counters report both pools under one metric, network="lan" and network="wan".

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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

const alpha = '127.28.0.1';
const beta = '127.28.0.2';
const gamma = '127.28.0.3';
const deadlineMs = 30_000;
const key = randomBytes(32).toString('base64');
const fastWan =
  'gossip_wan { gossip_interval = "100ms" probe_interval = "200ms" probe_timeout = "100ms" suspicion_mult = 3 }';
const processes: LatticeProcess[] = [];
let dir: TempDir;

function startServer(host: string, node: string, datacenter: string, args: string[]): LatticeProcess {
  const process = startLattice([
    'agent',
    '-server',
    `-bind=${host}`,
    `-client=${host}`,
    `-data-dir=${dir.file(`data-${host}`)}`,
    `-encrypt=${key}`,
    `-datacenter=${datacenter}`,
    `-node=${node}`,
    '--hcl=performance { raft_multiplier = 1 }',
    `--hcl=${fastWan}`,
    ...args,
  ]);
  processes.push(process);
  return process;
}

interface Member {
  Name: string;
  Addr: string;
  Status: number;
  Tags: Record<string, string>;
}

const getJson = <T>(host: string, path: string): Promise<T> => getAgentJson<T>(host, path, 2_000);

/** Names of the alive WAN members `host` sees, sorted. */
async function aliveWan(host: string): Promise<string[]> {
  const members = await getJson<Member[]>(host, '/v1/agent/members?wan=1');
  return members
    .filter((member) => member.Status === 1)
    .map((member) => member.Name)
    .sort();
}

describe('flood-join of a datacenter’s servers into the WAN pool', () => {
  before(async () => {
    dir = await makeTempDir();
    const servers = [
      startServer(alpha, 'alpha', 'dc1', ['-bootstrap-expect=1']),
      startServer(gamma, 'gamma', 'dc2', ['-bootstrap-expect=1']),
    ];
    for (const [position, host] of [alpha, gamma].entries())
      await waitFor(
        async () => {
          if (servers[position]!.hasExited) throw new Error(`the ${host} server exited\n${servers[position]!.output}`);
          return (await getJson<string>(host, '/v1/status/leader')) !== '';
        },
        { deadlineMs, what: `a leader in ${host}'s datacenter` },
      );
  });

  after(async () => {
    for (const process of processes) process.kill();
    await Promise.all(processes.map((process) => process.waitForExit().catch(() => undefined)));
    await dir?.remove();
  });

  it('advertises wan_join_port in a server’s LAN tags, not in its WAN tags', async () => {
    const lan = await getJson<Member[]>(alpha, '/v1/agent/members');
    assert.equal(lan.find((member) => member.Name === 'alpha')?.Tags['wan_join_port'], '8302');
    const wan = await getJson<Member[]>(alpha, '/v1/agent/members?wan=1');
    assert.equal(wan.find((member) => member.Name === 'alpha.dc1')?.Tags['wan_join_port'], undefined);
  });

  it('puts a server that only joined its LAN pool into every datacenter’s WAN view', async () => {
    const joined = await runLattice(['join', '-wan', `-http-addr=${gamma}:8500`, alpha]);
    assert.equal(joined.code, 0, joined.stderr);
    for (const host of [alpha, gamma])
      await waitFor(async () => JSON.stringify(await aliveWan(host)) === JSON.stringify(['alpha.dc1', 'gamma.dc2']), {
        deadlineMs,
        what: `${host} sees alpha.dc1 and gamma.dc2 alive in the WAN pool`,
      });

    // beta joins dc1's LAN through alpha and has no WAN join of any kind.
    const betaProcess = startServer(beta, 'beta', 'dc1', [`-retry-join=${alpha}`, '-retry-interval=1s']);
    await waitForHttp(`http://${beta}:8500/v1/agent/self`, { process: betaProcess, deadlineMs });
    const everyServer = JSON.stringify(['alpha.dc1', 'beta.dc1', 'gamma.dc2']);
    for (const host of [gamma, alpha, beta])
      await waitFor(async () => JSON.stringify(await aliveWan(host)) === everyServer, {
        deadlineMs,
        what: `${host} sees alpha.dc1, beta.dc1 and gamma.dc2 alive in the WAN pool`,
      });

    const listed = await runLattice(['members', '-wan', `-http-addr=${gamma}:8500`]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^beta\.dc1\s+127\.28\.0\.2:8302\s+alive\s+server\s+\S+\s+2\s+dc1\s/m);
    const lan = await runLattice(['members', `-http-addr=${gamma}:8500`]);
    assert.doesNotMatch(lan.stdout, /beta/, 'beta is in dc1’s LAN pool, not dc2’s');
    assert.deepEqual(await getJson<string[]>(gamma, '/v1/catalog/datacenters'), ['dc2', 'dc1']);
  });

  it('counts member events of both pools in one metric per event, by network', async () => {
    const metrics = await fetch(`http://${alpha}:8500/v1/agent/metrics?format=prometheus`).then((answer) =>
      answer.text(),
    );
    assert.equal(metrics.match(/^# TYPE consul_serf_member_join counter$/gm)?.length, 1);
    const joins = (network: string) =>
      Number(new RegExp(`^consul_serf_member_join\\{network="${network}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    // Each pool counts this server's own join too: LAN alpha and beta; WAN alpha.dc1, gamma.dc2 and beta.dc1 (more
    // if a loaded machine made a member flap).
    assert.ok(joins('lan') >= 2, metrics);
    assert.ok(joins('wan') >= 3, metrics);
  });
});
