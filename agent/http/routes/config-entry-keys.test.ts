// PUT /v1/config refuses keys the entry's kind does not have, as Consul's structs.DecodeConfigEntry does, and
// writes nothing: a typo such as "Protocl" used to be stored and silently ignored. Driven through fastify's inject
// over the real ConfigEntry endpoint and a real StateStore (commands applied at once, as a one-server FSM would).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { StateStore } from '../../../server/state/store.js';
import { endpointRpc } from '../../../server/testing/endpoint-rpc.js';
import { allowAllAuthorizer } from '../../acl/authorizer.js';
import { buildHttpApi } from '../api.js';
import { testBuild, testConfig } from '../testing/fake-rpc.js';

async function setup() {
  const clock = new ManualClock();
  const store = new StateStore({ nowMs: () => clock.nowMs() });
  const { rpc } = endpointRpc(store, { clock });
  const app = await buildHttpApi({
    config: testConfig(),
    build: testBuild,
    runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
    authorizer: allowAllAuthorizer,
    log: silentLogger(),
    rpc,
  });
  return app;
}

describe('PUT /v1/config with keys the kind does not have', () => {
  it("refuses a misspelt top-level key with Consul's text and stores nothing", async () => {
    const app = await setup();
    try {
      const typo = await app.inject({
        method: 'PUT',
        url: '/v1/config',
        payload: { Kind: 'service-defaults', Name: 'api', Protocl: 'http' },
      });
      assert.deepEqual([typo.statusCode, typo.body], [400, 'invalid config key "Protocl"']);
      const absent = await app.inject({ url: '/v1/config/service-defaults/api' });
      assert.equal(absent.statusCode, 404);
    } finally {
      await app.close();
    }
  });

  it('names every unknown key, nested intention sources and permissions included', async () => {
    const app = await setup();
    try {
      const response = await app.inject({
        method: 'PUT',
        url: '/v1/config',
        payload: {
          Kind: 'service-intentions',
          Name: 'api',
          Bogus: 1,
          Sources: [{ Name: 'web', Actoin: 'allow' }],
        },
      });
      assert.deepEqual(
        [response.statusCode, response.body],
        [400, 'invalid config key "Bogus"; invalid config key "Sources[0].Actoin"'],
      );
      assert.equal((await app.inject({ url: '/v1/config/service-intentions/api' })).statusCode, 404);
    } finally {
      await app.close();
    }
  });

  it("accepts known keys in any of Consul's spellings (snake_case, lower case)", async () => {
    const app = await setup();
    try {
      const snake = await app.inject({
        method: 'PUT',
        url: '/v1/config',
        payload: { kind: 'proxy-defaults', name: 'global', config: { protocol: 'http' }, mutual_tls_mode: '' },
      });
      assert.deepEqual([snake.statusCode, snake.body], [200, 'true']);
      const intentions = await app.inject({
        method: 'PUT',
        url: '/v1/config',
        payload: {
          Kind: 'service-intentions',
          Name: 'api',
          Sources: [{ name: 'web', action: 'deny', type: 'consul' }],
        },
      });
      assert.deepEqual([intentions.statusCode, intentions.body], [200, 'true']);
    } finally {
      await app.close();
    }
  });
});
