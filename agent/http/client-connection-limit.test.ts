// limits.http_max_conns_per_client over real sockets: with a limit of 2, two keep-alive connections from one
// address are served, a third gets Consul's 429 and is closed, closing one of the two admits a new one, and a
// reload to 0 lifts the limit. Listener and clients are on this suite's own loopback address (port chosen by the OS).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../lib/log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { allowAllAuthorizer } from '../acl/authorizer.js';
import { testEnvironment } from '../config/testing.js';
import { validateConfig } from '../config/validate.js';
import { buildHttpApi } from './api.js';
import { ClientConnectionLimit } from './client-connection-limit.js';

const host = '127.36.0.10';
const build = { version: '0.1.0', consulVersion: '1.20.0', revision: '', buildDate: '2026-01-01T00:00:00Z' };
const runtime = { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 };

/** Opens a keep-alive connection and reads whole responses (headers, Content-Length body) from it one at a time. */
async function open(port: number) {
  const socket: Socket = connect({ host, port, localAddress: host });
  await once(socket, 'connect');
  let buffered = '';
  let ended = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
  });
  socket.on('end', () => {
    ended = true;
  });
  const get = async (): Promise<{ status: number; closed: boolean }> => {
    socket.write(`GET /v1/agent/self HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const complete = () => {
      const headerEnd = buffered.indexOf('\r\n\r\n');
      if (headerEnd < 0) return false;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, headerEnd))?.[1] ?? 0);
      return buffered.length >= headerEnd + 4 + length;
    };
    await waitForCondition(complete, 'a whole HTTP response');
    const status = Number(buffered.slice(9, 12));
    const closing = /\r\nconnection: close\r\n/i.test(buffered);
    buffered = '';
    if (closing) await waitForCondition(() => ended, 'the server to close the connection');
    return { status, closed: ended };
  };
  return { socket, get };
}

describe('limits.http_max_conns_per_client', () => {
  const limit = new ClientConnectionLimit(2);
  let app: Awaited<ReturnType<typeof buildHttpApi>>;
  let port = 0;

  before(async () => {
    const result = validateConfig([{ sourceName: 'test', values: {} }], {
      devMode: true,
      environment: testEnvironment,
    });
    assert.deepEqual(result.errors, []);
    app = await buildHttpApi({
      config: result.config!,
      build,
      runtime,
      authorizer: allowAllAuthorizer,
      log: silentLogger(),
      connectionLimit: limit,
    });
    await app.listen({ host, port: 0 });
    port = (app.server.address() as { port: number }).port;
  });

  after(async () => {
    await app.close();
  });

  it('answers 429 and closes a connection past the limit, and admits one again when another closes', async () => {
    const first = await open(port);
    const second = await open(port);
    assert.deepEqual(await first.get(), { status: 200, closed: false });
    assert.deepEqual(await second.get(), { status: 200, closed: false });

    const third = await open(port);
    assert.deepEqual(await third.get(), { status: 429, closed: true });
    assert.equal(limit.openFrom(host), 2, 'a refused connection is not counted');

    first.socket.destroy();
    await waitForCondition(() => limit.openFrom(host) === 1, 'the closed connection to be uncounted');
    const fourth = await open(port);
    assert.deepEqual(await fourth.get(), { status: 200, closed: false });
    assert.deepEqual(await second.get(), { status: 200, closed: false }, 'open connections keep working');

    second.socket.destroy();
    fourth.socket.destroy();
    third.socket.destroy();
    await waitForCondition(() => limit.openFrom(host) === 0, 'every connection to be uncounted');
  });

  it('lets any number through once a reload sets the limit to 0', async () => {
    limit.setMaxPerClient(0);
    const connections = await Promise.all([1, 2, 3, 4].map(() => open(port)));
    for (const connection of connections) assert.equal((await connection.get()).status, 200);
    for (const connection of connections) connection.socket.destroy();
    await waitForCondition(() => limit.openFrom(host) === 0, 'every connection to be uncounted');
  });
});
