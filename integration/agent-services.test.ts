// Proves the agent runtime through the real binary on loopback addresses 127.0.0.20-29: a -dev agent takes a
// service with an HTTP check over the API, syncs it to the catalog by anti-entropy, follows the target up and
// down, and reports maintenance; a client agent retry-joins a server, its API registrations reach the server's
// catalog, survive a restart from its data dir, and a SIGTERM makes it leave; config-file services come and go
// with `lattice reload`, the CLI lists members and registers definition files, and script checks run only when
// enabled.

import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import {
  type LatticeProcess,
  RetryableError,
  runLattice,
  startLattice,
  waitFor,
  waitForHttp,
} from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const started: LatticeProcess[] = [];
const temporary: TempDir[] = [];
const servers: Server[] = [];
after(async () => {
  for (const process of started) process.kill();
  for (const server of servers) server.close();
  await Promise.all(temporary.map((dir) => dir.remove()));
});

function start(args: string[]): LatticeProcess {
  const agent = startLattice(['agent', ...args]);
  started.push(agent);
  return agent;
}

/** GET and parse; a non-2xx answer (`No cluster leader` while a server elects itself) is retried by waitFor. */
async function json<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new RetryableError(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const put = (url: string, body?: unknown) =>
  fetch(url, { method: 'PUT', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

interface Check {
  CheckID: string;
  Status: string;
  Output: string;
}

describe('a -dev agent with an HTTP-checked service', () => {
  it('registers over the API, syncs to the catalog, follows the target, and reports maintenance', async () => {
    const address = '127.0.0.20';
    const base = `http://${address}:8500`;
    let healthy = true;
    const target = createServer((_request, response) => {
      response.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'down');
    });
    servers.push(target);
    await new Promise<void>((resolve) => target.listen(0, address, resolve));
    const port = (target.address() as { port: number }).port;
    const agent = start(['-dev', `-bind=${address}`, `-client=${address}`, '-node=web-host']);
    await waitForHttp(`${base}/v1/agent/self`, { process: agent });

    const registered = await put(`${base}/v1/agent/service/register`, {
      name: 'web',
      port,
      tags: ['v1'],
      check: { http: `http://${address}:${port}/health`, interval: '1s', timeout: '1s' },
    });
    assert.equal(registered.status, 200, await registered.text());
    const services = await json<Record<string, { Service: string; Port: number }>>(`${base}/v1/agent/services`);
    assert.equal(services['web']?.Port, port);

    const catalogCheck = async () =>
      (await json<Check[]>(`${base}/v1/health/checks/web`)).find((check) => check.CheckID === 'service:web');
    await waitFor(async () => (await catalogCheck())?.Status === 'passing', {
      what: 'the check passing in the catalog',
    });
    const instances = await json<{ ServiceID: string; ServiceTags: string[] }[]>(`${base}/v1/catalog/service/web`);
    assert.deepEqual(
      instances.map((row) => [row.ServiceID, row.ServiceTags]),
      [['web', ['v1']]],
    );
    assert.ok(
      (await json<{ Node: string }[]>(`${base}/v1/catalog/nodes`)).some((node) => node.Node === 'web-host'),
      'the agent registered its own node',
    );

    healthy = false;
    await waitFor(async () => (await catalogCheck())?.Status === 'critical', { what: 'the check critical' });
    const agentCheck = (await json<Record<string, Check>>(`${base}/v1/agent/checks`))['service:web'];
    assert.match(agentCheck?.Output ?? '', /503/);
    healthy = true;
    await waitFor(async () => (await catalogCheck())?.Status === 'passing', { what: 'the check passing again' });

    assert.equal((await put(`${base}/v1/agent/maintenance?enable=true&reason=patching`)).status, 200);
    const health = await fetch(`${base}/v1/agent/health/service/id/web?format=text`);
    assert.deepEqual([health.status, await health.text()], [503, 'maintenance']);
    await waitFor(
      async () =>
        (await json<Check[]>(`${base}/v1/health/node/web-host`)).some((check) => check.CheckID === '_node_maintenance'),
      { what: 'node maintenance in the catalog' },
    );
    assert.equal((await put(`${base}/v1/agent/maintenance?enable=false`)).status, 200);
    await waitFor(
      async () =>
        !(await json<Check[]>(`${base}/v1/health/node/web-host`)).some(
          (check) => check.CheckID === '_node_maintenance',
        ),
      { what: 'node maintenance gone from the catalog' },
    );

    assert.equal((await put(`${base}/v1/agent/service/deregister/web`)).status, 200);
    await waitFor(async () => (await json<unknown[]>(`${base}/v1/catalog/service/web`)).length === 0, {
      what: 'the service gone from the catalog',
    });
    assert.equal((await agent.stop('SIGINT')).code, 0, agent.output);
  });
});

describe('a client agent and a server', () => {
  it('syncs client registrations to the server, keeps them across a restart, and leaves on SIGTERM', async () => {
    const serverAddress = '127.0.0.27';
    const clientAddress = '127.0.0.28';
    const serverDir = await makeTempDir();
    const clientDir = await makeTempDir();
    temporary.push(serverDir, clientDir);
    const server = start([
      '-server',
      '-bootstrap',
      `-data-dir=${serverDir.path}`,
      `-bind=${serverAddress}`,
      `-client=${serverAddress}`,
      '-node=server-1',
    ]);
    const clientArgs = [
      `-data-dir=${clientDir.path}`,
      `-bind=${clientAddress}`,
      `-client=${clientAddress}`,
      '-node=client-1',
      `-retry-join=${serverAddress}`,
      '-retry-interval=1s',
    ];
    let client = start(clientArgs);
    const serverBase = `http://${serverAddress}:8500`;
    const clientBase = `http://${clientAddress}:8500`;
    await waitForHttp(`${serverBase}/v1/agent/self`, { process: server });
    await waitForHttp(`${clientBase}/v1/agent/self`, { process: client });

    const members = async (base: string) =>
      (await json<{ Name: string; Status: number }[]>(`${base}/v1/agent/members`)).map((member) => [
        member.Name,
        member.Status,
      ]);
    await waitFor(async () => (await members(clientBase)).length === 2, { what: 'the client to join' });

    const registered = await put(`${clientBase}/v1/agent/service/register`, {
      Name: 'api',
      Port: 7000,
      Check: { TTL: '60s' },
    });
    assert.equal(registered.status, 200);
    assert.equal((await put(`${clientBase}/v1/agent/check/pass/service:api?note=ready`)).status, 200);
    const serverCheck = async () =>
      (await json<Check[]>(`${serverBase}/v1/health/checks/api`)).find((check) => check.CheckID === 'service:api');
    await waitFor(async () => (await serverCheck())?.Status === 'passing', {
      what: 'the client service in the catalog',
    });

    // A client leaves on SIGTERM (leave_on_terminate defaults to true for clients): the server sees it left.
    assert.equal((await client.stop('SIGTERM')).code, 0, client.output);
    await waitFor(
      async () => (await members(serverBase)).some(([name, status]) => name === 'client-1' && status === 3),
      {
        what: 'the client shown as left',
      },
    );

    client = start(clientArgs);
    await waitForHttp(`${clientBase}/v1/agent/self`, { process: client });
    const restored = await json<Record<string, unknown>>(`${clientBase}/v1/agent/services`);
    assert.deepEqual(Object.keys(restored), ['api'], 'the API registration came back from the data dir');
    await waitFor(async () => (await serverCheck()) !== undefined, { what: 'the service back in the catalog' });
    const listed = await runLattice(['members', `-http-addr=${clientAddress}:8500`]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Partition\s+Segment$/m);
    assert.match(listed.stdout, /^server-1\s+127\.0\.0\.27:8301\s+alive\s+server\s/m);
    assert.equal((await client.stop('SIGINT')).code, 0, client.output);
    assert.equal((await server.stop('SIGINT')).code, 0, server.output);
  });
});

describe('config-file services and reload', () => {
  it('registers definition files at start, and adds and drops them on reload', async () => {
    const address = '127.0.0.29';
    const base = `http://${address}:8500`;
    const dir = await makeTempDir({
      'conf/web.hcl': 'service {\n  name = "web"\n  port = 80\n  check {\n    ttl = "30s"\n  }\n}\n',
      'extra.json': JSON.stringify({ service: { name: 'cache', port: 6379 } }),
    });
    temporary.push(dir);
    const agent = start(['-dev', `-bind=${address}`, `-client=${address}`, `-config-dir=${dir.file('conf')}`]);
    await waitForHttp(`${base}/v1/agent/self`, { process: agent });
    const ids = async () => Object.keys(await json<Record<string, unknown>>(`${base}/v1/agent/services`)).sort();
    assert.deepEqual(await ids(), ['web']);

    await writeFile(dir.file('conf/db.json'), JSON.stringify({ service: { name: 'db', port: 5432 } }));
    const reload = await runLattice(['reload', `-http-addr=${address}:8500`]);
    assert.equal(reload.code, 0, reload.stderr);
    assert.deepEqual(await ids(), ['db', 'web']);

    await rm(dir.file('conf/web.hcl'));
    assert.equal((await runLattice(['reload', `-http-addr=${address}:8500`])).code, 0);
    assert.deepEqual(await ids(), ['db']);

    const registered = await runLattice(['services', 'register', `-http-addr=${address}:8500`, dir.file('extra.json')]);
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /Registered service: cache/);
    assert.deepEqual(await ids(), ['cache', 'db']);
    await waitFor(async () => (await json<unknown[]>(`${base}/v1/catalog/service/cache`)).length === 1, {
      what: 'the CLI-registered service in the catalog',
    });
    assert.equal((await agent.stop('SIGINT')).code, 0, agent.output);
  });
});

describe('script checks', () => {
  it('run only with enable_local_script_checks, and go passing or critical with the exit code', async () => {
    const off = start(['-dev', '-bind=127.0.0.25', '-client=127.0.0.25']);
    const on = start(['-dev', '-bind=127.0.0.26', '-client=127.0.0.26', '-enable-local-script-checks']);
    await waitForHttp('http://127.0.0.25:8500/v1/agent/self', { process: off });
    await waitForHttp('http://127.0.0.26:8500/v1/agent/self', { process: on });
    const body = (code: number) => ({
      Name: `exit-${code}`,
      Args: [process.execPath, '-e', `process.exit(${code})`],
      Interval: '1s',
    });
    const refused = await put('http://127.0.0.25:8500/v1/agent/check/register', body(0));
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /Scripts are disabled on this agent/);
    for (const code of [0, 1, 2])
      assert.equal((await put('http://127.0.0.26:8500/v1/agent/check/register', body(code))).status, 200);
    const statuses = async () => {
      const checks = await json<Record<string, Check>>('http://127.0.0.26:8500/v1/agent/checks');
      return ['exit-0', 'exit-1', 'exit-2'].map((id) => checks[id]?.Status);
    };
    await waitFor(async () => JSON.stringify(await statuses()) === '["passing","warning","critical"]', {
      what: 'script check statuses from their exit codes',
    });
    assert.equal((await off.stop('SIGINT')).code, 0, off.output);
    assert.equal((await on.stop('SIGINT')).code, 0, on.output);
  });
});
