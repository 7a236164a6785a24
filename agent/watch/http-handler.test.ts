// The `http` watch handler against a real local HTTP server on 127.0.0.247: the result arrives as Go's JSON
// encoding with the configured method, Content-Type, X-Consul-Index and headers; a non-2xx answer is an outcome
// (logged by the caller), a server that does not answer within `timeout` is an error; `http_handler_config` is
// checked with Consul's wording and defaults (POST, 10s).

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { makeTestCa } from '../../connect/testing/ca-fixtures.js';
import { handlerOutputBytesMax, invokeHttpHandler, parseHttpHandlerConfig } from './http-handler.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly body: string;
}

const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function receiver(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(request, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.247', resolve));
  const { port } = server.address() as AddressInfo;
  return { received, base: `http://127.0.0.247:${port}`, server };
}

describe('http watch handler', () => {
  it('posts the result as JSON with X-Consul-Index and the configured headers', async () => {
    const { received, base } = await receiver((_, response) => response.end('thanks'));
    const config = parseHttpHandlerConfig({
      path: `${base}/hook?from=watch`,
      header: { 'X-Team': ['blue', 'green'], Authorization: 'Bearer t' },
    });
    const outcome = await invokeHttpHandler(config, 42n, [{ Key: 'app/config', Value: 'aGk=' }]);
    assert.deepEqual(outcome, { status: '200 OK', ok: true, output: 'thanks' });
    const [request] = received;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/hook?from=watch');
    assert.equal(request.body, '[{"Key":"app/config","Value":"aGk="}]\n');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-consul-index'], '42');
    assert.equal(request.headers['authorization'], 'Bearer t');
    // Go's Header.Add: both values go out, as two header lines.
    const teamValues = request.rawHeaders.filter((_, i, all) => i % 2 === 1 && all[i - 1] === 'X-Team');
    assert.deepEqual(teamValues, ['blue', 'green']);
  });

  it('uses the configured method and reports a non-2xx answer with its body', async () => {
    const { received, base } = await receiver((_, response) => {
      response.statusCode = 503;
      response.end('x'.repeat(handlerOutputBytesMax + 10));
    });
    const config = parseHttpHandlerConfig({ path: `${base}/put`, method: 'PUT' });
    const outcome = await invokeHttpHandler(config, 7n, null);
    assert.equal(received[0]?.method, 'PUT');
    assert.equal(received[0]?.body, 'null\n');
    assert.equal(outcome.ok, false);
    assert.equal(outcome.status, '503 Service Unavailable');
    assert.equal(
      outcome.output,
      `Captured ${handlerOutputBytesMax} of ${handlerOutputBytesMax + 10} bytes\n...\n${'x'.repeat(handlerOutputBytesMax)}`,
    );
  });

  it('gives up after the timeout, and when the path cannot be reached', async () => {
    const { base, received } = await receiver(() => undefined); // never answers
    const config = parseHttpHandlerConfig({ path: `${base}/slow`, timeout: '50ms' });
    await assert.rejects(invokeHttpHandler(config, 1n, {}), /context deadline exceeded \(timeout 50ms\)/);
    assert.equal(received.length, 1);
    const relative = parseHttpHandlerConfig({ path: '/relative' });
    await assert.rejects(invokeHttpHandler(relative, 1n, {}), /parse "\/relative": invalid URL/);
    const ftp = parseHttpHandlerConfig({ path: 'ftp://127.0.0.247/x' });
    await assert.rejects(invokeHttpHandler(ftp, 1n, {}), /unsupported protocol scheme "ftp"/);
  });

  it('checks an https path’s certificate unless tls_skip_verify', async () => {
    // A self-signed certificate the client has no reason to trust.
    const { signer } = await makeTestCa();
    const server = createHttpsServer({ cert: signer.certificatePem, key: signer.privateKeyPem }, (_, response) =>
      response.end('secure'),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.247', resolve));
    const path = `https://127.0.0.247:${(server.address() as AddressInfo).port}/hook`;
    await assert.rejects(invokeHttpHandler(parseHttpHandlerConfig({ path }), 1n, {}), /certificate/);
    const skipping = parseHttpHandlerConfig({ path, tls_skip_verify: true });
    assert.deepEqual(await invokeHttpHandler(skipping, 1n, {}), { status: '200 OK', ok: true, output: 'secure' });
  });

  it("checks http_handler_config with Consul's defaults and wording", () => {
    assert.deepEqual(parseHttpHandlerConfig({ path: 'http://127.0.0.247/x' }), {
      path: 'http://127.0.0.247/x',
      method: 'POST',
      timeoutMs: 10_000,
      header: {},
      tlsSkipVerify: false,
    });
    // HCL blocks arrive as one-element lists; WeakDecode turns "true" into a bool and a lone header value into a list.
    assert.deepEqual(
      parseHttpHandlerConfig([
        { path: 'https://h/x', method: 'GET', timeout: '2s', header: [{ a: 'b' }], tls_skip_verify: 'true' },
      ]),
      { path: 'https://h/x', method: 'GET', timeoutMs: 2_000, header: { a: ['b'] }, tlsSkipVerify: true },
    );
    assert.throws(() => parseHttpHandlerConfig({ method: 'GET' }), /^HttpHandlerError: Requires 'path' to be set$/);
    assert.throws(
      () => parseHttpHandlerConfig({ path: 'http://h', timeout: 'soon' }),
      /Failed to parse timeout: time: invalid duration "soon"/,
    );
    assert.throws(
      () => parseHttpHandlerConfig({ path: 'http://h', tls_skip_verify: 'maybe' }),
      /cannot parse 'tls_skip_verify' as bool/,
    );
    assert.throws(() => parseHttpHandlerConfig({ path: { nested: 1 } }), /'path' expected type 'string'/);
  });
});
