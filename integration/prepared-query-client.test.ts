// Proves prepared queries through a client agent: a -dev server on 127.0.0.132 and a client agent on 127.0.0.133
// that joins it, so every call crosses the agent → server gRPC RPC. A query created on the client's HTTP API is
// stored on the server; executing it on the client with `?near=_agent` puts the client's own instance first; and
// `dig @127.0.0.133 -p 8600 <name>.query.consul SRV` on the client answers with the healthy instances only.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  defaultDeadlineMs,
  type LatticeProcess,
  startLattice,
  waitFor,
  waitForHttp,
} from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const serverAddress = '127.0.0.132';
const clientAddress = '127.0.0.133';
const server = `http://${serverAddress}:8500`;
const client = `http://${clientAddress}:8500`;
const digPath = ['/usr/bin/dig', '/bin/dig'].find((path) => existsSync(path));
const agents: LatticeProcess[] = [];
let clientDir: TempDir | null = null;

function dig(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      digPath!,
      [`@${clientAddress}`, '-p', '8600', '+tries=1', '+time=3', ...args],
      { timeout: defaultDeadlineMs },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

async function json(method: string, url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  assert.equal(response.status, 200, `${method} ${url}: ${text}`);
  return text === '' ? null : JSON.parse(text);
}

interface ExecuteReply {
  Nodes: { Node: { Node: string } }[];
}

describe('prepared queries through a client agent', {
  skip: digPath === undefined ? 'dig is not installed' : false,
}, () => {
  before(async () => {
    clientDir = await makeTempDir();
    agents.push(
      startLattice(['agent', '-dev', `-bind=${serverAddress}`, `-client=${serverAddress}`, '-node=pq-server']),
    );
    agents.push(
      startLattice([
        'agent',
        `-data-dir=${clientDir.path}`,
        `-bind=${clientAddress}`,
        `-client=${clientAddress}`,
        '-node=pq-client',
        `-retry-join=${serverAddress}`,
        '-retry-interval=1s',
      ]),
    );
    await waitForHttp(`${server}/v1/agent/self`, { process: agents[0] as LatticeProcess });
    await waitForHttp(`${client}/v1/agent/self`, { process: agents[1] as LatticeProcess });
    // Both agents register the same service locally; anti-entropy puts them in the catalog.
    await json('PUT', `${server}/v1/agent/service/register`, { Name: 'web', Port: 8080 });
    await json('PUT', `${client}/v1/agent/service/register`, { Name: 'web', Port: 8081 });
    await json('PUT', `${client}/v1/agent/service/register`, {
      Name: 'web',
      ID: 'web-broken',
      Port: 8082,
      Check: { TTL: '60s' }, // critical until a TTL update arrives, which none does
    });
    await waitFor(
      async () => {
        const response = await fetch(`${client}/v1/health/service/web`).catch(() => null);
        return response?.ok === true && ((await response.json()) as unknown[]).length === 3;
      },
      { what: 'three web instances in the catalog, seen from the client', deadlineMs: 30_000 },
    );
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.stop('SIGINT').catch(() => agent.kill())));
    await clientDir?.remove();
  });

  it('creates on the client, stores on the server, and sorts near the asking agent', async () => {
    const { ID: id } = (await json('POST', `${client}/v1/query`, {
      Name: 'web-near',
      Service: { Service: 'web', Near: '_agent' },
    })) as { ID: string };
    const [stored] = (await json('GET', `${server}/v1/query/${id}`)) as { Name: string }[];
    assert.equal(stored?.Name, 'web-near');
    const fromClient = (await json('GET', `${client}/v1/query/web-near/execute`)) as ExecuteReply;
    assert.deepEqual(
      fromClient.Nodes.map((entry) => entry.Node.Node),
      ['pq-client', 'pq-server'],
      'the asking agent first, the critical instance left out',
    );
    const fromServer = (await json('GET', `${server}/v1/query/web-near/execute`)) as ExecuteReply;
    assert.equal(fromServer.Nodes[0]?.Node.Node, 'pq-server');
  });

  it('answers `<name>.query.consul` on the client agent’s DNS with the healthy instances', async () => {
    const answer = (await dig('+short', 'web-near.query.consul', 'SRV')).trim().split('\n').sort();
    assert.deepEqual(answer, ['1 1 8080 pq-server.node.dc1.consul.', '1 1 8081 pq-client.node.dc1.consul.']);
    assert.match(await dig('no-such-query.query.consul', 'SRV'), /status: NXDOMAIN/);
  });
});
