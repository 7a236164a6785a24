// Proves the long-request helper behind `lattice debug`'s CPU profile and log stream: a 2xx answer is handed over
// for streaming with the token sent as X-Consul-Token, another status becomes Consul's "Unexpected response code"
// text naming the request, and a refused connection says which agent could not be reached. A local server on
// 127.39.0.3 plays the agent.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { longAgentRequest, readBody } from './long-agent-request.js';

const server = createServer((request, response) => {
  if (request.url?.startsWith('/ok')) {
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.end(`token=${request.headers['x-consul-token'] ?? ''}`);
    return;
  }
  response.writeHead(403, { 'Content-Type': 'text/plain' });
  response.end('Permission denied\n');
});
let baseUrl = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.39.0.3', resolve));
  baseUrl = `http://127.39.0.3:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('longAgentRequest', () => {
  const signal = new AbortController().signal;

  it('hands over a 2xx response with the token sent', async () => {
    const response = await longAgentRequest({ baseUrl, token: 's3cret' }, 'Get "x"', { path: '/ok', signal });
    assert.equal(await readBody(response), 'token=s3cret');
  });

  it("words another status as Consul's client does", async () => {
    await assert.rejects(longAgentRequest({ baseUrl, token: null }, 'Get "x"', { path: '/denied', signal }), {
      message: 'Get "x": Unexpected response code: 403 (Permission denied)',
    });
  });

  it('names the agent it could not reach', async () => {
    const target = { baseUrl: 'http://127.39.0.3:1', token: null };
    await assert.rejects(longAgentRequest(target, 'Get "x"', { path: '/ok', signal }), {
      message: 'Get "x": cannot reach the agent at http://127.39.0.3:1 (ECONNREFUSED)',
    });
  });
});
