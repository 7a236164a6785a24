// Proves /v1/operator/keyring on a running -dev server agent with gossip encryption (free ports, no server
// runtime): GET lists the WAN pool's keys, then the LAN pool's, in Consul's KeyringResponse shape; POST installs,
// PUT makes primary, DELETE removes, in both pools; bad bodies are Consul's 400s.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../lib/log.js';
import { Agent } from '../../agent.js';
import { testEnvironment } from '../../config/testing.js';
import { validateConfig } from '../../config/validate.js';

const build = { version: '0.1.0', consulVersion: '1.20.0', revision: '', buildDate: '2026-01-01T00:00:00Z' };
const firstKey = randomBytes(32).toString('base64');
const secondKey = randomBytes(32).toString('base64');

interface KeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Keys: Record<string, number>;
  PrimaryKeys: Record<string, number>;
  NumNodes: number;
}

let agent: Agent;
let base = '';
before(async () => {
  const result = validateConfig(
    [{ sourceName: 'test', values: { bind_addr: '127.0.0.24', client_addr: '127.0.0.24', encrypt: firstKey } }],
    { devMode: true, environment: testEnvironment },
  );
  assert.deepEqual(result.errors, []);
  const config = { ...result.config!, ports: { ...result.config!.ports, http: 0, serfLan: 0, serfWan: 0, dns: -1 } };
  agent = new Agent({ log: silentLogger(), build }, config);
  await agent.start();
  base = `http://${agent.httpAddresses[0]}`;
});
after(() => agent.stop());

const call = (method: string, body?: unknown) =>
  fetch(`${base}/v1/operator/keyring`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** The LAN pool's answer, after checking the WAN pool's (listed first) holds the same keys. */
async function list(): Promise<KeyringResponse> {
  const response = await call('GET');
  assert.equal(response.status, 200);
  const pools = (await response.json()) as KeyringResponse[];
  assert.deepEqual(
    pools.map((pool) => [pool.WAN, pool.Datacenter]),
    [
      [true, 'dc1'],
      [false, 'dc1'],
    ],
  );
  const [wan, lan] = pools as [KeyringResponse, KeyringResponse];
  assert.deepEqual([wan.Keys, wan.PrimaryKeys, wan.NumNodes], [lan.Keys, lan.PrimaryKeys, lan.NumNodes], 'same keys');
  return lan;
}

describe('/v1/operator/keyring', () => {
  it('lists, installs, switches and removes keys across the pool', async () => {
    const initial = await list();
    assert.deepEqual([initial.WAN, initial.Datacenter, initial.NumNodes], [false, 'dc1', 1]);
    assert.deepEqual(initial.Keys, { [firstKey]: 1 });
    assert.deepEqual(initial.PrimaryKeys, { [firstKey]: 1 });

    assert.equal((await call('POST', { Key: secondKey })).status, 200);
    assert.deepEqual((await list()).Keys, { [firstKey]: 1, [secondKey]: 1 });
    assert.equal((await call('PUT', { key: secondKey })).status, 200);
    assert.deepEqual((await list()).PrimaryKeys, { [secondKey]: 1 });
    assert.equal((await call('DELETE', { Key: firstKey })).status, 200);
    assert.deepEqual((await list()).Keys, { [secondKey]: 1 });
  });

  it('answers 400 for a missing or malformed key', async () => {
    const missing = await call('POST', {});
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /Key is required/);
    const malformed = await call('POST', { Key: 'not base64!' });
    assert.equal(malformed.status, 400, await malformed.clone().text());
  });
});
