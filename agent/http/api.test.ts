// Proves the HTTP API through fastify's inject (no sockets): /v1/agent/self in Consul's shape with secrets
// hidden, a plain-text 501 for every other /v1 route, 404 elsewhere, and the ACL hook consulting the authorizer with
// the token from each of Consul's three places.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../lib/log.js';
import { type AclRequest, type Authorizer, allowAllAuthorizer } from '../acl/authorizer.js';
import type { BuildInfo } from '../build-info.js';
import { testEnvironment, testNodeId } from '../config/testing.js';
import type { AgentConfig } from '../config/types.js';
import { validateConfig } from '../config/validate.js';
import { buildHttpApi } from './api.js';
import { cleanedPath } from './consul-endpoints.js';
import { goFieldName } from './debug-config.js';
import { httpErrorReply, internalErrorText } from './errors.js';

const build: BuildInfo = {
  version: '0.1.0',
  consulVersion: '1.20.0',
  revision: 'abc123',
  buildDate: '2026-01-01T00:00:00Z',
};
const runtime = { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 4 };

function devConfig(values: Record<string, unknown> = {}): AgentConfig {
  const result = validateConfig([{ sourceName: 'test', values }], { devMode: true, environment: testEnvironment });
  assert.deepEqual(result.errors, []);
  return result.config!;
}

function api(config: AgentConfig = devConfig(), authorizer: Authorizer = allowAllAuthorizer) {
  return buildHttpApi({ config, build, runtime, authorizer, log: silentLogger() });
}

describe('GET /v1/agent/self', () => {
  it("answers in Consul's shape", async () => {
    const app = await api(
      devConfig({ node_meta: { rack: 'r1' }, encrypt: 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=' }),
    );
    const response = await app.inject({ method: 'GET', url: '/v1/agent/self' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const body = response.json();
    assert.deepEqual(body.Config, {
      Datacenter: 'dc1',
      PrimaryDatacenter: 'dc1',
      NodeName: 'test-host',
      NodeID: testNodeId,
      Revision: 'abc123',
      Server: true,
      Version: '1.20.0',
      BuildDate: '2026-01-01T00:00:00Z',
    });
    // Go clients decode every top-level value as an object or null.
    for (const [key, value] of Object.entries(body)) {
      assert.ok(value === null || (typeof value === 'object' && !Array.isArray(value)), `${key} is an object or null`);
    }
    assert.equal(body.Member.Name, 'test-host');
    assert.equal(body.Member.Addr, '127.0.0.1');
    assert.equal(body.Member.Port, 8301);
    assert.equal(body.Member.Status, 1);
    assert.equal(body.Member.Tags.role, 'consul');
    assert.equal(body.Member.Tags.bootstrap, '1');
    assert.deepEqual(body.Meta, { rack: 'r1', 'consul-network-segment': '', 'consul-version': '1.20.0' });
    for (const group of Object.values(body.Stats) as Record<string, unknown>[]) {
      for (const value of Object.values(group)) assert.equal(typeof value, 'string');
    }
    assert.equal(body.DebugConfig.GRPCPort, 8502);
    assert.equal(body.DebugConfig.HTTPPort, 8500);
    assert.equal(body.DebugConfig.Encrypt, 'hidden');
    assert.equal(body.DebugConfig.EncryptKey, 'hidden');
    assert.equal(body.DebugConfig.RetryInterval, '30s');
    assert.doesNotMatch(response.body, /pUqJrVyVRj5jsiYEkM/);
    await app.close();
  });

  it('hides service tokens in DebugConfig', async () => {
    const app = await api(devConfig({ service: { name: 'web', token: 'secret-token-value' } }));
    const response = await app.inject({ method: 'GET', url: '/v1/agent/self' });
    assert.equal(response.json().DebugConfig.Services[0].Token, 'hidden');
    assert.doesNotMatch(response.body, /secret-token-value/);
    await app.close();
  });
});

describe('routes not built yet', () => {
  it('answer 501 with a plain-text error under /v1/', async () => {
    const app = await api();
    for (const [method, url] of [
      ['GET', '/v1/kv/foo?recurse'],
      ['PUT', '/v1/agent/service/register'],
      ['GET', '/v1/catalog/services'],
    ] as const) {
      const response = await app.inject({ method, url });
      assert.equal(response.statusCode, 501, url);
      assert.equal(response.body, `${method} ${url.split('?')[0]} is not implemented yet`);
    }
    await app.close();
  });

  it("answer 404 outside /v1/ with Consul's text", async () => {
    const app = await api();
    const response = await app.inject({ method: 'GET', url: '/nope' });
    assert.equal(response.statusCode, 404);
    assert.equal(
      response.body,
      "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'",
    );
    await app.close();
  });

  it("answer 404 for /v1/ paths that are no Consul endpoint, 501 only for Consul's unbuilt ones", async () => {
    const app = await api();
    for (const url of ['/v1/bogus', '/v1/kvx', '/v1/agent/bogus', '/v1/', '/v1/catalog', '/v1/acl']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.body, 'Invalid URL path: not a recognized HTTP API endpoint', url);
    }
    for (const [method, url] of [
      ['GET', '/v1/peerings'],
      ['GET', '/v1/discovery-chain/web'],
      ['GET', '/v1/agent/metrics/stream'],
      ['POST', '/v1/query/abc/explain'],
    ] as const) {
      const response = await app.inject({ method, url });
      assert.equal(response.statusCode, 501, url);
      assert.equal(response.body, `${method} ${url} is not implemented yet`);
    }
    const subtree = await app.inject({ url: '/v1/peering?x=1' });
    assert.deepEqual([subtree.statusCode, subtree.headers.location], [301, '/v1/peering/?x=1']);
    const wrongMethod = await app.inject({ method: 'DELETE', url: '/v1/peerings' });
    assert.equal(wrongMethod.statusCode, 405);
    assert.equal(wrongMethod.headers.allow, 'OPTIONS,GET');
    await app.close();
  });

  it("redirect a path holding // or dot segments to its cleaned form with a 301, as Go's ServeMux", async () => {
    const app = await api();
    for (const [url, location] of [
      ['//v1/kv/a', '/v1/kv/a'],
      ['/v1//kv/a?raw', '/v1/kv/a?raw'],
    ] as const) {
      const response = await app.inject({ method: 'PUT', url, payload: 'x' });
      assert.equal(response.statusCode, 301, url);
      assert.equal(response.headers.location, location, url);
    }
    await app.close();
  });

  it('clean dot segments and keep a trailing slash, as path.Clean plus ServeMux do', () => {
    // inject resolves dot segments itself, so the cleaning is checked directly.
    assert.equal(cleanedPath('/v1/kv/a/./b/'), '/v1/kv/a/b/');
    assert.equal(cleanedPath('/v1/kv/a/../b'), '/v1/kv/b');
    assert.equal(cleanedPath('/v1/kv/a/.'), '/v1/kv/a');
    assert.equal(cleanedPath('/v1/kv/a.b/..c'), undefined);
    assert.equal(cleanedPath('/v1/kv/a/b/'), undefined);
  });
});

describe('ACL endpoints', () => {
  const aclPaths = [
    ['GET', '/v1/acl/tokens'],
    ['PUT', '/v1/acl/token'],
    ['GET', '/v1/acl/token/self'],
    ['GET', '/v1/acl/token/0b3c8d3a-0000-0000-0000-000000000000'],
    ['PUT', '/v1/acl/bootstrap'],
    ['GET', '/v1/acl/policies'],
    ['DELETE', '/v1/acl/role/r1'],
    ['POST', '/v1/acl/login'],
    ['GET', '/v1/acl/replication'],
    ['POST', '/v1/internal/acl/authorize'],
  ] as const;

  it("answer 401 'ACL support disabled' while ACLs are off", async () => {
    const app = await api();
    for (const [method, url] of aclPaths) {
      const response = await app.inject({ method, url });
      assert.equal(response.statusCode, 401, url);
      assert.equal(response.body, 'ACL support disabled', url);
    }
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/acl/tokens' })).statusCode, 405);
    assert.equal((await app.inject({ url: '/v1/acl/nope' })).statusCode, 404);
    await app.close();
  });

  it('answer 501 while ACLs are on, as Lattice has not built the ACL system', async () => {
    // Config validation refuses acl.enabled (security-refusals.ts); the routes refuse again if it gets here.
    const app = await api({ ...devConfig(), aclEnabled: true });
    const response = await app.inject({ url: '/v1/acl/tokens' });
    assert.equal(response.statusCode, 501);
    await app.close();
  });
});

describe('ACL hook', () => {
  it('passes the token from X-Consul-Token, Bearer or ?token= and refuses with 403', async () => {
    const seen: AclRequest[] = [];
    const denyAll: Authorizer = {
      allows: (request) => {
        seen.push(request);
        return request.token === 'good';
      },
    };
    const app = await api(devConfig(), denyAll);
    assert.equal((await app.inject({ url: '/v1/agent/self', headers: { 'x-consul-token': 'good' } })).statusCode, 200);
    assert.equal(
      (await app.inject({ url: '/v1/agent/self', headers: { authorization: 'Bearer good' } })).statusCode,
      200,
    );
    assert.equal((await app.inject({ url: '/v1/agent/self?token=good' })).statusCode, 200);
    const denied = await app.inject({ url: '/v1/agent/self' });
    assert.equal(denied.statusCode, 403);
    assert.match(denied.body, /^Permission denied/);
    assert.deepEqual(seen.at(-1), { token: null, resource: 'agent', access: 'read', name: 'test-host' });
    await app.close();
  });
});

describe('error catalogue', () => {
  it('maps unknown errors to 500 without leaking their text', () => {
    assert.deepEqual(httpErrorReply(new Error('database password is hunter2')), {
      status: 500,
      message: internalErrorText,
    });
  });
});

describe('goFieldName', () => {
  it("renders Go's field names", () => {
    assert.equal(goFieldName('nodeId'), 'NodeID');
    assert.equal(goFieldName('retryIntervalMs'), 'RetryInterval');
    assert.equal(goFieldName('grpcTls'), 'GRPCTLS');
    assert.equal(goFieldName('advertiseAddrWan'), 'AdvertiseAddrWAN');
  });
});
