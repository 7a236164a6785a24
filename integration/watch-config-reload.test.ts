// Proves the agent's `watches` config through the real binary: `lattice agent -dev` on 127.0.0.248 with a watch in
// its -config-dir whose `http` handler posts to a receiver on 127.0.0.249. A KV write reaches the receiver as JSON
// with X-Consul-Index and the configured header; after the file is changed to watch another key and the agent gets
// SIGHUP, the new watch fires with that key's value and writes to the old key post nothing more (Consul's
// reloadWatches).

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { type LatticeProcess, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const started: LatticeProcess[] = [];
const temporary: TempDir[] = [];
const servers: Server[] = [];
after(async () => {
  for (const process of started) process.kill();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(temporary.map((dir) => dir.remove()));
});

const address = '127.0.0.248';
const api = `http://${address}:8500`;

interface Call {
  readonly path: string;
  readonly index: number;
  readonly team: string;
  readonly body: { Key: string; Value: string } | null;
}

async function receiver(): Promise<{ calls: Call[]; base: string }> {
  const calls: Call[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls.push({
        path: request.url ?? '',
        index: Number(request.headers['x-consul-index']),
        team: String(request.headers['x-team']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call['body'],
      });
      response.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.249', resolve));
  return { calls, base: `http://127.0.0.249:${(server.address() as AddressInfo).port}` };
}

const watchFile = (key: string, path: string): string =>
  JSON.stringify({
    watches: [
      {
        type: 'key',
        key,
        handler_type: 'http',
        http_handler_config: { path, method: 'POST', header: { 'X-Team': ['blue'] }, timeout: '5s' },
      },
    ],
  });

async function put(key: string, value: string): Promise<void> {
  const response = await fetch(`${api}/v1/kv/${key}`, { method: 'PUT', body: value });
  assert.equal(response.status, 200);
}

const decodedValue = (call: Call | undefined): string =>
  Buffer.from(call?.body?.Value ?? '', 'base64').toString('utf8');

describe('lattice agent watches config', () => {
  it('posts changes to an http handler and re-creates the watches on SIGHUP', async () => {
    const hooks = await receiver();
    const dir = await makeTempDir({ 'watch.json': watchFile('app/a', `${hooks.base}/a`) });
    temporary.push(dir);
    const agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, `-config-dir=${dir.path}`]);
    started.push(agent);
    await waitForHttp(`${api}/v1/status/leader`, { process: agent });
    // KV writes need a leader: /v1/status/leader answers "" until the dev server has elected itself.
    await waitFor(async () => (await (await fetch(`${api}/v1/status/leader`)).json()) !== '', {
      what: 'a leader',
    });

    await put('app/a', 'one');
    await waitFor(() => hooks.calls.find((call) => decodedValue(call) === 'one'), {
      what: 'the handler call for app/a',
    });
    const first = hooks.calls.find((call) => decodedValue(call) === 'one');
    assert.equal(first?.path, '/a');
    assert.equal(first?.team, 'blue');
    assert.equal(first?.body?.Key, 'app/a');
    assert.ok((first?.index ?? 0) > 0, 'X-Consul-Index is the KV index');

    await put('app/b', 'bee');
    await writeFile(dir.file('watch.json'), watchFile('app/b', `${hooks.base}/b`));
    process.kill(agent.pid, 'SIGHUP');
    await waitFor(() => hooks.calls.find((call) => call.path === '/b'), { what: 'the reloaded watch firing' });
    assert.equal(decodedValue(hooks.calls.find((call) => call.path === '/b')), 'bee');

    const callsForA = hooks.calls.filter((call) => call.path === '/a').length;
    await put('app/a', 'two');
    await put('app/b', 'buzz');
    await waitFor(() => hooks.calls.find((call) => decodedValue(call) === 'buzz'), {
      what: 'the new watch seeing app/b',
    });
    // app/a was written before app/b: had the old plan survived, its call would have come first.
    assert.equal(hooks.calls.filter((call) => call.path === '/a').length, callsForA, 'the old watch is gone');
    assert.equal(agent.hasExited, false, agent.output);

    const result = await agent.stop('SIGINT');
    assert.equal(result.code, 0, agent.output);
  });
});
