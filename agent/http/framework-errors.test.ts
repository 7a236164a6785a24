// Proves that errors raised before any route runs are plain text as Consul's are: a path that does not
// percent-decode to UTF-8 is a 400 naming the path (and stores nothing), a long path parameter is served, and
// oversized headers or a garbled request line get Go's `431 Request Header Fields Too Large` / `400 Bad Request`.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { apiWithRpc, FakeRpcClient, meta } from './testing/fake-rpc.js';

const rpc = new FakeRpcClient()
  .on('KVS.Apply', () => true)
  .on('Catalog.ServiceNodes', () => ({ value: [], meta: meta(3) }));
const app = await apiWithRpc(rpc);
after(() => app.close());

/** Sends raw bytes to the listening app and reads until the server closes. */
async function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.201', port }, () => socket.write(request));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('framework errors', () => {
  for (const path of ['/v1/kv/%FF%FE', '/v1/kv/a%ZZ', '/v1/catalog/service/%C0']) {
    it(`PUT ${path} → plain-text 400 naming the path, nothing written`, async () => {
      const before = rpc.calls.length;
      const response = await app.inject({ method: 'PUT', url: path, payload: '2' });
      assert.equal(response.statusCode, 400);
      assert.match(String(response.headers['content-type']), /^text\/plain/);
      assert.equal(
        response.body,
        `Invalid URL path ${JSON.stringify(path)}: its percent-encoding does not decode to UTF-8 text`,
      );
      assert.equal(rpc.calls.length, before);
    });
  }

  it('serves a path parameter longer than fastify’s default 100 characters', async () => {
    const response = await app.inject({ url: `/v1/catalog/service/${'s'.repeat(300)}` });
    assert.equal(response.statusCode, 200);
  });

  it('answers oversized headers and a garbled request line as Go does, in plain text', async () => {
    await app.listen({ host: '127.0.0.201', port: 0 });
    const { port } = app.server.address() as { port: number };
    const big = await rawExchange(port, `GET /v1/kv/a HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.match(big, /Content-Type: text\/plain; charset=utf-8\r\n/);
    assert.ok(big.endsWith('\r\n\r\n431 Request Header Fields Too Large'), big);
    const garbled = await rawExchange(port, 'NOT A REQUEST\r\n\r\n');
    assert.match(garbled, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(garbled.endsWith('\r\n\r\n400 Bad Request'), garbled);
  });
});
