// Proves the shared route plumbing through fastify's inject: Consul's 405 with `Allow` and OPTIONS answers,
// plain-text error bodies with their statuses (never a stack), `?pretty`, X-Consul-Default-ACL-Policy on every
// response, query-meta headers with index 0 rewritten to 1, bodies read whatever their Content-Type, and gzip
// for large bodies when the client accepts it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { LatticeError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { registerRoutes } from './consul-route.js';
import { installBodyParsers, readJsonBody } from './decode-body.js';
import { BadRequestError, installErrorHandler, internalErrorText } from './errors.js';
import { installConsulHeaders, setQueryMeta } from './query-meta.js';

async function app() {
  const instance = Fastify({ logger: false });
  installErrorHandler(instance, silentLogger());
  installBodyParsers(instance);
  installConsulHeaders(instance, { aclDefaultPolicy: 'allow' });
  await instance.register(
    async (scope) => {
      registerRoutes(scope, [
        {
          method: 'GET',
          url: '/read',
          acl: null,
          handler: async (_request, reply) => {
            setQueryMeta(reply, { index: 0, knownLeader: true, lastContactMs: 0.4 });
            return { A: [1], B: {} };
          },
        },
        {
          method: 'PUT',
          url: '/echo',
          acl: null,
          handler: async (request) => readJsonBody(request) ?? { empty: true },
        },
        { method: 'DELETE', url: '/echo', acl: null, handler: async () => true },
        {
          method: 'GET',
          url: '/fail/:kind',
          acl: null,
          handler: async (request) => {
            const { kind } = request.params as { kind: string };
            if (kind === 'bad') throw new BadRequestError('Invalid wait time');
            if (kind === 'leader') throw new LatticeError('ERR_NO_LEADER', 'No cluster leader');
            throw new Error('secret internals\n    at stack');
          },
        },
      ]);
    },
    { prefix: '/v1/test' },
  );
  return instance;
}

describe('method handling', () => {
  it('answers another method with 405 and Allow', async () => {
    const api = await app();
    const response = await api.inject({ method: 'POST', url: '/v1/test/echo' });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'OPTIONS,PUT,DELETE');
    assert.equal(response.body, 'method POST not allowed');
    const get = await api.inject({ method: 'PUT', url: '/v1/test/read' });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers.allow, 'OPTIONS,GET');
  });
  it('answers OPTIONS with 200, an empty body and Allow', async () => {
    const response = await (await app()).inject({ method: 'OPTIONS', url: '/v1/test/read' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assert.equal(response.headers.allow, 'OPTIONS,GET');
  });
});

describe('errors', () => {
  const table: [string, number, string][] = [
    ['bad', 400, 'Invalid wait time'],
    ['leader', 500, 'No cluster leader'],
    ['bug', 500, internalErrorText],
  ];
  for (const [kind, status, text] of table)
    it(`${kind} → ${status} plain text`, async () => {
      const response = await (await app()).inject({ url: `/v1/test/fail/${kind}` });
      assert.equal(response.statusCode, status);
      assert.equal(response.body, text);
      assert.match(String(response.headers['content-type']), /^text\/plain/);
      assert.doesNotMatch(response.body, /secret|stack/);
    });
  it('refuses malformed JSON with 400 Request decode failed', async () => {
    const response = await (await app()).inject({ method: 'PUT', url: '/v1/test/echo', payload: '{"a":' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /^Request decode failed: /);
  });
});

describe('headers and formatting', () => {
  it('sends the meta triple with index 0 as 1, and the default ACL policy', async () => {
    const response = await (await app()).inject({ url: '/v1/test/read' });
    assert.equal(response.headers['x-consul-index'], '1');
    assert.equal(response.headers['x-consul-knownleader'], 'true');
    assert.equal(response.headers['x-consul-lastcontact'], '0');
    assert.equal(response.headers['x-consul-default-acl-policy'], 'allow');
    assert.equal(response.body, '{"A":[1],"B":{}}');
  });
  it('indents with four spaces and a newline under ?pretty', async () => {
    const response = await (await app()).inject({ url: '/v1/test/read?pretty' });
    assert.equal(response.body, '{\n    "A": [\n        1\n    ],\n    "B": {}\n}\n');
  });
  it('reads JSON bodies sent as text/plain or without a Content-Type', async () => {
    const api = await app();
    for (const headers of [{ 'content-type': 'text/plain' }, {}, { 'content-type': 'application/octet-stream' }]) {
      const response = await api.inject({ method: 'PUT', url: '/v1/test/echo', payload: '{"Node":"n1"}', headers });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { Node: 'n1' });
    }
    const empty = await api.inject({ method: 'PUT', url: '/v1/test/echo' });
    assert.deepEqual(empty.json(), { empty: true });
  });
});

describe('gzip', () => {
  async function bigApp() {
    const instance = Fastify({ logger: false });
    installErrorHandler(instance, silentLogger());
    installConsulHeaders(instance, { aclDefaultPolicy: 'allow' });
    instance.get('/big', async () => ({ Values: Array.from({ length: 200 }, (_, position) => `value-${position}`) }));
    instance.get('/small', async () => ({ A: 1 }));
    return instance;
  }

  it('compresses bodies over 1.4 KB for clients that accept gzip', async () => {
    const api = await bigApp();
    const response = await api.inject({ url: '/big', headers: { 'accept-encoding': 'gzip, deflate' } });
    assert.equal(response.headers['content-encoding'], 'gzip');
    assert.equal(response.headers.vary, 'Accept-Encoding');
    assert.equal(JSON.parse(gunzipSync(response.rawPayload).toString()).Values.length, 200);
  });

  it('leaves small bodies and clients without gzip alone', async () => {
    const api = await bigApp();
    const plain = await api.inject({ url: '/big' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.json().Values.length, 200);
    const refused = await api.inject({ url: '/big', headers: { 'accept-encoding': 'gzip;q=0' } });
    assert.equal(refused.headers['content-encoding'], undefined);
    const small = await api.inject({ url: '/small', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.body, '{"A":1}');
  });
});
