// Proves one datacenter on real processes, through the CLI and HTTP only: three `lattice agent -server
// -bootstrap-expect=3` on 127.0.0.2-4 form one Raft cluster from gossip, three client agents on 127.0.0.5-7 find
// the servers through the LAN pool, services from definition files show up in the catalog and health on every
// server; a blocking /v1/health/service/web waits through an unrelated write and returns promptly after a web
// change; a SIGKILLed client turns critical (serfHealth) on every server; a SIGKILLed leader is replaced and the
// API keeps answering; the killed server restarts on its data dir and catches up.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, RetryableError, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { serverAgentArgs } from './helpers/server-args.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const serverHosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const clientHosts = ['127.0.0.5', '127.0.0.6', '127.0.0.7'];
/** raft_multiplier 1: elections in about a second, so failover fits the deadlines below. */
const fastRaft = '--hcl=performance { raft_multiplier = 1 }';
const clusterDeadlineMs = 60_000;

const processes = new Map<string, LatticeProcess>();
let dir: TempDir;

function serverArgs(host: string): string[] {
  return serverAgentArgs({
    host,
    seed: serverHosts[0]!,
    dataDir: dir.file(`data-${host}`),
    namePrefix: 'server',
    extra: [fastRaft],
  });
}

function clientArgs(host: string, withWeb: boolean): string[] {
  return [
    'agent',
    `-retry-join=${serverHosts[0]}`,
    '-retry-interval=1s',
    `-bind=${host}`,
    `-client=${host}`,
    `-data-dir=${dir.file(`data-${host}`)}`,
    `-node=client-${host.split('.').at(-1)}`,
    ...(withWeb ? [`-config-file=${dir.file('web.json')}`] : []),
  ];
}

function start(host: string, args: string[]): LatticeProcess {
  const process = startLattice(args);
  processes.set(host, process);
  return process;
}

async function getJson<T>(host: string, path: string): Promise<{ body: T; index: number }> {
  let response: Response;
  try {
    response = await fetch(`http://${host}:8500${path}`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new RetryableError(`${host}${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new RetryableError(`${host}${path}: HTTP ${response.status} ${await response.text()}`);
  return { body: (await response.json()) as T, index: Number(response.headers.get('x-consul-index')) };
}

async function put(host: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`http://${host}:8500${path}`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

interface HealthEntry {
  Node: { Node: string };
  Service: { Service: string; ID: string };
  Checks: { CheckID: string; Status: string }[];
}

const serfStatus = async (host: string, node: string): Promise<string | undefined> => {
  const { body } = await getJson<{ CheckID: string; Status: string }[]>(host, `/v1/health/node/${node}?stale`);
  return body.find((check) => check.CheckID === 'serfHealth')?.Status;
};

/** The leader every host in `hosts` reports, once they agree (and it is not `previous`, a leader known dead). */
async function leaderOf(hosts: readonly string[], previous = ''): Promise<string> {
  return waitFor(
    async () => {
      const leaders = new Set<string>();
      for (const host of hosts) leaders.add((await getJson<string>(host, '/v1/status/leader')).body);
      const [leader] = [...leaders];
      return leaders.size === 1 && leader && leader !== previous ? leader : null;
    },
    { deadlineMs: clusterDeadlineMs, what: `one leader agreed by ${hosts.join(', ')}` },
  );
}

describe('a datacenter of three servers and three clients', () => {
  before(async () => {
    dir = await makeTempDir({
      'web.json': JSON.stringify({ service: { name: 'web', port: 8080, tags: ['v1'] } }),
    });
    for (const host of serverHosts) start(host, serverArgs(host));
    for (const host of clientHosts) start(host, clientArgs(host, host !== clientHosts[2]));
    for (const [host, process] of processes) await waitForHttp(`http://${host}:8500/v1/agent/self`, { process });
  });

  after(async () => {
    for (const process of processes.values()) if (!process.hasExited) process.kill();
    await dir?.remove();
  });

  it('forms one cluster and shows every node and the web service on every server', async () => {
    await leaderOf(serverHosts);
    for (const host of serverHosts) {
      await waitFor(
        async () => {
          const nodes = await getJson<{ Node: string }[]>(host, '/v1/catalog/nodes?stale');
          return nodes.body.length === 6;
        },
        { deadlineMs: clusterDeadlineMs, what: `six nodes in the catalog of ${host}` },
      );
      const web = await waitFor(
        async () => {
          const entries = await getJson<HealthEntry[]>(host, '/v1/health/service/web?stale');
          // Anti-entropy may register a client's service before the leader reconciles its node's serfHealth.
          const reconciled = entries.body.every(
            (entry) => entry.Checks.find((check) => check.CheckID === 'serfHealth')?.Status === 'passing',
          );
          return entries.body.length === 2 && reconciled ? entries.body : null;
        },
        { deadlineMs: clusterDeadlineMs, what: `two web instances with serfHealth passing on ${host}` },
      );
      assert.deepEqual(web.map((entry) => entry.Node.Node).sort(), ['client-5', 'client-6']);
    }
    const peers = await getJson<string[]>(serverHosts[1] as string, '/v1/status/peers');
    assert.deepEqual(
      [...peers.body].sort(),
      serverHosts.map((host) => `${host}:8300`),
    );
  });

  it('answers a blocking health query after a web change, and not after an unrelated one', async () => {
    const watcher = serverHosts[2] as string;
    const first = await getJson<HealthEntry[]>(watcher, '/v1/health/service/web');
    let answered = false;
    const blocking = fetch(`http://${watcher}:8500/v1/health/service/web?index=${first.index}&wait=60s`).finally(() => {
      answered = true;
    });
    await put(clientHosts[2] as string, '/v1/catalog/register', {
      Node: 'external-db',
      Address: '10.9.9.9',
      Service: { Service: 'db', Port: 5432 },
    });
    await waitFor(async () => (await getJson<unknown[]>(watcher, '/v1/catalog/service/db')).body.length === 1, {
      what: 'the unrelated write to reach the watching server',
    });
    assert.equal(answered, false, 'a write to another service must not answer the web watch');
    await put(clientHosts[2] as string, '/v1/agent/service/register', { Name: 'web', ID: 'web-7', Port: 8080 });
    const response = await waitFor(() => (answered ? blocking : null), {
      deadlineMs: 20_000,
      what: 'the blocking query to return after the web change',
    });
    assert.ok(Number(response.headers.get('x-consul-index')) > first.index);
    const entries = (await response.json()) as HealthEntry[];
    assert.ok(entries.some((entry) => entry.Service.ID === 'web-7'));
  });

  it('marks a SIGKILLed client critical on every server', async () => {
    processes.get(clientHosts[1] as string)?.kill();
    for (const host of serverHosts) {
      await waitFor(async () => (await serfStatus(host, 'client-6')) === 'critical', {
        deadlineMs: clusterDeadlineMs,
        what: `client-6 serfHealth critical on ${host}`,
      });
    }
  });

  it('elects a new leader when the leader is SIGKILLed, keeps answering, and catches the old one up', async () => {
    const leaderAddress = await leaderOf(serverHosts);
    const leaderHost = leaderAddress.split(':')[0] as string;
    processes.get(leaderHost)?.kill();
    const survivors = serverHosts.filter((host) => host !== leaderHost);
    const next = await leaderOf(survivors, leaderAddress);
    assert.ok(survivors.includes(next.split(':')[0] as string));
    await put(survivors[0] as string, '/v1/catalog/register', { Node: 'after-failover', Address: '10.8.8.8' });
    for (const host of [...survivors, clientHosts[0] as string]) {
      const nodes = await waitFor(
        async () => {
          const reply = await getJson<{ Node: string }[]>(host, '/v1/catalog/nodes');
          return reply.body.some((node) => node.Node === 'after-failover') ? reply.body : null;
        },
        { deadlineMs: clusterDeadlineMs, what: `the post-failover write on ${host}` },
      );
      assert.ok(nodes.length >= 6);
    }
    const restarted = start(leaderHost, serverArgs(leaderHost));
    await waitForHttp(`http://${leaderHost}:8500/v1/agent/self`, { process: restarted });
    await waitFor(
      async () => {
        const reply = await getJson<{ Node: string }[]>(leaderHost, '/v1/catalog/nodes?stale');
        return reply.body.some((node) => node.Node === 'after-failover');
      },
      { deadlineMs: clusterDeadlineMs, what: 'the restarted server to catch up' },
    );
    await leaderOf(serverHosts);
  });
});
