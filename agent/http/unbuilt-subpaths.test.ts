// Endpoints of Consul's table that live under a prefix Lattice serves (/v1/health/ingress/:service under
// /v1/health/, /v1/catalog/gateway-services/:service under /v1/catalog/) answer as unbuilt endpoints do at the
// top level: 501 'not implemented yet', 405 for another method. They used to answer 404 'not a recognized HTTP API
// endpoint', which a client reads as "this Consul has no such API" rather than "not built yet".

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { StateStore } from '../../server/state/store.js';
import { endpointRpc } from '../../server/testing/endpoint-rpc.js';
import { allowAllAuthorizer } from '../acl/authorizer.js';
import { buildHttpApi } from './api.js';
import { testBuild, testConfig } from './testing/fake-rpc.js';

describe('unbuilt Consul endpoints under served prefixes', () => {
  let app: Awaited<ReturnType<typeof buildHttpApi>>;
  before(async () => {
    const clock = new ManualClock();
    const { rpc } = endpointRpc(new StateStore({ nowMs: () => clock.nowMs() }), { clock });
    app = await buildHttpApi({
      config: testConfig(),
      build: testBuild,
      runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
      authorizer: allowAllAuthorizer,
      log: silentLogger(),
      rpc,
    });
  });
  after(() => app.close());

  it('answers 501 for GET and 405 for another method', async () => {
    for (const url of ['/v1/health/ingress/web', '/v1/catalog/gateway-services/gw']) {
      const get = await app.inject({ url });
      assert.deepEqual([get.statusCode, get.body], [501, `GET ${url} is not implemented yet`]);
      const put = await app.inject({ method: 'PUT', url });
      assert.equal(put.statusCode, 405, url);
      assert.equal(put.headers['allow'], 'OPTIONS,GET');
    }
  });

  it('still answers 404 for paths that are no Consul endpoint', async () => {
    const bogus = await app.inject({ url: '/v1/health/bogus/x' });
    assert.deepEqual([bogus.statusCode, bogus.body], [404, 'Invalid URL path: not a recognized HTTP API endpoint']);
  });
});
