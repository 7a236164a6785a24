// Proves /v1/kv, /v1/session and /v1/txn end to end below Raft: fastify's inject drives the routes, whose RPCs
// run the real endpoint handlers over a real StateStore (commands applied at once, as a one-server FSM would),
// so the wire shapes (base64 Value or null, bare true/false, [] for empty session lists, 404 with index headers
// for a miss), Consul's texts (413 value too large, 500 `invalid session`, 400 conflicting flags, renew 404),
// blocking on a key until it is written, session defaults, and txn 200/409 bodies are checked together.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../lib/clock.js';
import { ensureRegistration } from '../../../server/state/catalog-ops.js';
import { kvsGet } from '../../../server/state/kv-reads.js';
import { StateStore } from '../../../server/state/store.js';
import { endpointRpc } from '../../../server/testing/endpoint-rpc.js';
import { apiWithRpc, testConfig } from '../testing/fake-rpc.js';
import { lockDelayNanoseconds, sessionCreateBody } from './session.js';

async function setup(values: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const store = new StateStore({ nowMs: () => clock.nowMs() });
  const config = testConfig(values);
  ensureRegistration(store, 1, {
    Node: config.nodeName,
    Address: '127.0.0.1',
    Checks: [{ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' }],
  });
  const { rpc } = endpointRpc(store, { clock });
  const app = await apiWithRpc(rpc, config);
  return { app, store, clock, config };
}

const json = (body: string): unknown => JSON.parse(body);

describe('/v1/kv', () => {
  it('puts, gets (JSON, raw, recurse, keys) and deletes with Consul’s shapes', async () => {
    const { app } = await setup();
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/kv/app/a?flags=42',
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    assert.deepEqual([put.statusCode, put.body], [200, 'true']);
    await app.inject({ method: 'PUT', url: '/v1/kv/app/sub/b' });
    const got = await app.inject({ url: '/v1/kv/app/a' });
    assert.equal(got.headers['x-consul-index'], '2');
    assert.equal(got.headers['x-consul-knownleader'], 'true');
    assert.deepEqual(json(got.body), [
      { LockIndex: 0, Key: 'app/a', Flags: 42, Value: 'aGVsbG8=', CreateIndex: 2, ModifyIndex: 2 },
    ]);
    const raw = await app.inject({ url: '/v1/kv/app/a?raw' });
    assert.deepEqual(
      [raw.body, raw.headers['content-type'], raw.headers['x-content-type-options']],
      ['hello', 'text/plain', 'nosniff'],
    );
    const tree = json((await app.inject({ url: '/v1/kv/app?recurse' })).body) as { Key: string; Value: unknown }[];
    assert.deepEqual(
      tree.map((entry) => [entry.Key, entry.Value]),
      [
        ['app/a', 'aGVsbG8='],
        ['app/sub/b', null],
      ],
    );
    assert.deepEqual(json((await app.inject({ url: '/v1/kv/app/?keys&separator=/' })).body), ['app/a', 'app/sub/']);
    assert.deepEqual(json((await app.inject({ url: '/v1/kv/?keys' })).body), ['app/a', 'app/sub/b']);
    const removed = await app.inject({ method: 'DELETE', url: '/v1/kv/app?recurse' });
    assert.equal(removed.body, 'true');
    const miss = await app.inject({ url: '/v1/kv/app/a' });
    assert.deepEqual([miss.statusCode, miss.body, miss.headers['x-consul-index']], [404, '', '4']);
    assert.equal((await app.inject({ url: '/v1/kv/app?recurse' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/v1/kv/app?keys' })).statusCode, 404);
    assert.deepEqual(json((await app.inject({ url: '/v1/kv/?keys' })).body), [], 'the root lists [] when empty');
    const bare = await app.inject({ url: '/v1/kv/' });
    assert.deepEqual([bare.statusCode, bare.body], [400, 'Missing key name']);
    // Go's ServeMux cleans the path before Consul's KV handler sees it: `//lead` is a 301 to `/v1/kv/lead`.
    const slash = await app.inject({ method: 'PUT', url: '/v1/kv//lead' });
    assert.deepEqual([slash.statusCode, slash.headers.location], [301, '/v1/kv/lead']);
  });

  it('keeps any uint64 ?flags exactly and prints it as a JSON integer, also with ?pretty', async () => {
    const { app, store } = await setup();
    const max = '18446744073709551615';
    assert.equal((await app.inject({ method: 'PUT', url: `/v1/kv/big?flags=${max}`, payload: 'v' })).body, 'true');
    assert.equal(kvsGet(store, 'big').value?.Flags, max);
    const read = await app.inject({ url: '/v1/kv/big' });
    assert.match(read.body, /"Flags":18446744073709551615,/);
    const pretty = await app.inject({ url: '/v1/kv/big?pretty' });
    assert.match(pretty.body, /"Flags": 18446744073709551615,/);
    const safe = '9007199254740991';
    await app.inject({ method: 'PUT', url: `/v1/kv/safe?flags=${safe}`, payload: 'v' });
    assert.equal(kvsGet(store, 'safe').value?.Flags, Number(safe));
    assert.match((await app.inject({ url: '/v1/kv/?recurse' })).body, /"Key":"safe","Flags":9007199254740991,/);
    // A Key holding the same text stays a string.
    await app.inject({ method: 'PUT', url: `/v1/kv/${encodeURIComponent('x","Flags":"5')}`, payload: 'v' });
    assert.match((await app.inject({ url: '/v1/kv/?keys' })).body, /x\\",\\"Flags\\":\\"5/);
    for (const bad of ['18446744073709551616', '-1', '1e3', '0x10', '']) {
      const response = await app.inject({ method: 'PUT', url: `/v1/kv/bad?flags=${bad}`, payload: 'v' });
      assert.deepEqual([response.statusCode, response.body], [400, 'Invalid flags'], bad);
    }
    assert.equal(kvsGet(store, 'bad').value, null);
  });

  it('cas, delete-cas and conflicting flags', async () => {
    const { app } = await setup();
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/kv/k?cas=0', payload: 'a' })).body, 'true');
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/kv/k?cas=0', payload: 'b' })).body, 'false');
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/kv/k?cas=2', payload: 'c' })).body, 'true');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/kv/k?cas=2' })).body, 'false');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/kv/k?cas=4' })).body, 'true');
    const conflict = await app.inject({ method: 'PUT', url: '/v1/kv/k?cas=0&acquire=x' });
    assert.equal(conflict.statusCode, 400);
    // Consul prints url.Values.Encode(): keys sorted, so the text names the same query however it was spelled.
    assert.equal(conflict.body, 'Conflicting flags: acquire=x&cas=0');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/kv/k?cas=0&recurse' })).statusCode, 400);
    assert.deepEqual(
      [
        (await app.inject({ method: 'PUT', url: '/v1/kv/k?cas=x' })).statusCode,
        (await app.inject({ method: 'PUT', url: '/v1/kv/' })).body,
      ],
      [400, 'Missing key name'],
    );
  });

  it('refuses a value over kv_max_value_size with Consul’s 413 text', async () => {
    const { app } = await setup({ limits: { kv_max_value_size: 16 } });
    const response = await app.inject({ method: 'PUT', url: '/v1/kv/big', payload: 'x'.repeat(17) });
    assert.equal(response.statusCode, 413);
    assert.equal(
      response.body,
      'Request body(17 bytes) too large, max size: 16 bytes. See ' +
        'https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.',
    );
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/kv/ok', payload: 'x'.repeat(16) })).body, 'true');
  });

  it('acquire and release with sessions; lock errors are 500 with Consul’s text', async () => {
    const { app } = await setup();
    const { ID: id } = json((await app.inject({ method: 'PUT', url: '/v1/session/create', payload: '{}' })).body) as {
      ID: string;
    };
    assert.equal((await app.inject({ method: 'PUT', url: `/v1/kv/l?acquire=${id}`, payload: 'v' })).body, 'true');
    const [locked] = json((await app.inject({ url: '/v1/kv/l' })).body) as { Session: string; LockIndex: number }[];
    assert.deepEqual([locked?.Session, locked?.LockIndex], [id, 1]);
    const unknown = await app.inject({ method: 'PUT', url: '/v1/kv/l?acquire=ghost' });
    assert.deepEqual([unknown.statusCode, unknown.body], [500, 'invalid session "ghost"']);
    const missing = await app.inject({ method: 'PUT', url: '/v1/kv/l?acquire=' });
    assert.deepEqual([missing.statusCode, missing.body], [500, 'missing session']);
    assert.equal((await app.inject({ method: 'PUT', url: `/v1/kv/l?release=${id}` })).body, 'true');
    const [released] = json((await app.inject({ url: '/v1/kv/l' })).body) as Record<string, unknown>[];
    assert.equal('Session' in (released ?? {}), false, 'Session is omitted when unlocked');
  });

  it('a blocking get on a missing key returns once the key is written', async () => {
    const { app } = await setup();
    const miss = await app.inject({ url: '/v1/kv/wait/me' });
    const index = miss.headers['x-consul-index'];
    const waiting = app.inject({ url: `/v1/kv/wait/me?index=${index}&wait=1m` });
    await app.inject({ method: 'PUT', url: '/v1/kv/other', payload: 'x' });
    await app.inject({ method: 'PUT', url: '/v1/kv/wait/me', payload: 'here' });
    const answered = await waiting;
    assert.equal(answered.statusCode, 200);
    assert.equal((json(answered.body) as { Value: string }[])[0]?.Value, Buffer.from('here').toString('base64'));
    assert.ok(Number(answered.headers['x-consul-index']) > Number(index));
  });
});

describe('/v1/session', () => {
  it('creates with Consul’s defaults, lists, renews, destroys', async () => {
    const { app, config } = await setup();
    const created = await app.inject({
      method: 'PUT',
      url: '/v1/session/create',
      payload: '{"name":"x","lockdelay":20,"ttl":"30s"}',
    });
    const { ID: id } = json(created.body) as { ID: string };
    const [session] = json((await app.inject({ url: `/v1/session/info/${id}` })).body) as Record<string, unknown>[];
    assert.deepEqual(
      { ...session, ID: undefined, CreateIndex: undefined, ModifyIndex: undefined },
      {
        ID: undefined,
        Name: 'x',
        Node: config.nodeName,
        LockDelay: 20e9,
        Behavior: 'release',
        TTL: '30s',
        NodeChecks: ['serfHealth'],
        ServiceChecks: null,
        CreateIndex: undefined,
        ModifyIndex: undefined,
      },
    );
    assert.equal((json((await app.inject({ url: '/v1/session/list' })).body) as unknown[]).length, 1);
    assert.equal(
      (json((await app.inject({ url: `/v1/session/node/${config.nodeName}` })).body) as unknown[]).length,
      1,
    );
    assert.equal((await app.inject({ method: 'PUT', url: `/v1/session/renew/${id}` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'PUT', url: `/v1/session/destroy/${id}` })).body, 'true');
    const renew = await app.inject({ method: 'PUT', url: `/v1/session/renew/${id}` });
    assert.deepEqual([renew.statusCode, renew.body], [404, `Session id '${id}' not found`]);
    const info = await app.inject({ url: `/v1/session/info/${id}` });
    assert.deepEqual([info.body, info.headers['x-consul-index'] !== undefined], ['[]', true]);
  });

  it('refuses a TTL out of range and an unknown behavior with Consul’s texts', async () => {
    const { app } = await setup();
    const ttl = await app.inject({ method: 'PUT', url: '/v1/session/create', payload: '{"TTL":"5s"}' });
    assert.deepEqual(
      [ttl.statusCode, ttl.body],
      [500, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"],
    );
    // Session.TTL is a plain string to Consul's decoder: only Session.Apply parses it, so a bad one is its 500.
    const unparseable = await app.inject({ method: 'PUT', url: '/v1/session/create', payload: '{"TTL":"abc"}' });
    assert.deepEqual(
      [unparseable.statusCode, unparseable.body],
      [500, `Session TTL 'abc' invalid: time: invalid duration "abc"`],
    );
    const numeric = await app.inject({ method: 'PUT', url: '/v1/session/create', payload: '{"TTL":30}' });
    assert.deepEqual([numeric.statusCode, numeric.body.startsWith('Request decode failed: ')], [400, true]);
    assert.equal((json((await app.inject({ url: '/v1/session/list' })).body) as unknown[]).length, 0);
    const behavior = await app.inject({ method: 'PUT', url: '/v1/session/create', payload: '{"Behavior":"explode"}' });
    assert.deepEqual([behavior.statusCode, behavior.body], [500, "Invalid Behavior setting 'explode'"]);
  });
});

describe('namespaces and partitions (Consul CE agent/http_ce.go parseEntMeta)', () => {
  it('refuses ?ns, ?partition and their headers on KV and session endpoints with 400, changing nothing', async () => {
    const { app, store } = await setup();
    const namespace = 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature';
    const partition = 'Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature';
    type Request = {
      method: 'GET' | 'PUT' | 'DELETE';
      url: string;
      payload?: string;
      headers?: Record<string, string>;
    };
    const refusals: [Request, string][] = [
      [{ method: 'PUT', url: '/v1/kv/team?ns=team-a', payload: 'x' }, namespace],
      [{ method: 'GET', url: '/v1/kv/team?ns=default' }, namespace],
      [{ method: 'DELETE', url: '/v1/kv/team?recurse&partition=p1' }, partition],
      [
        { method: 'PUT', url: '/v1/kv/team', payload: 'x', headers: { 'x-consul-namespace': 'team-a' } },
        'Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature',
      ],
      [
        { method: 'GET', url: '/v1/kv/team', headers: { 'x-consul-partition': 'p1' } },
        'Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature',
      ],
      [{ method: 'PUT', url: '/v1/session/create?ns=team-a', payload: '{}' }, namespace],
      [{ method: 'GET', url: '/v1/session/list?ns=team-a' }, namespace],
    ];
    for (const [request, text] of refusals) {
      const response = await app.inject(request);
      assert.deepEqual([response.statusCode, response.body], [400, text], JSON.stringify(request));
    }
    assert.equal(kvsGet(store, 'team').value, null);
    assert.deepEqual(json((await app.inject({ url: '/v1/session/list' })).body), []);
    // An empty parameter is no namespace, as in Consul.
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/kv/team?ns=', payload: 'x' })).body, 'true');
  });
});

describe('/v1/txn', () => {
  it('commits with 200 {Results, Errors: null} and rolls back with 409 {Results: null, Errors}', async () => {
    const { app } = await setup();
    const ok = await app.inject({
      method: 'PUT',
      url: '/v1/txn',
      payload: JSON.stringify([{ kv: { verb: 'set', key: 'a', value: 'eA==' } }, { KV: { Verb: 'get', Key: 'a' } }]),
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['x-consul-knownleader'], undefined, 'writes get no read meta');
    const body = json(ok.body) as { Results: { KV: { Value: unknown } }[]; Errors: unknown };
    assert.deepEqual([body.Results.map((result) => result.KV.Value), body.Errors], [[null, 'eA=='], null]);
    const failed = await app.inject({
      method: 'PUT',
      url: '/v1/txn',
      payload: JSON.stringify([{ KV: { Verb: 'set', Key: 'b' } }, { KV: { Verb: 'cas', Key: 'a', Index: 1 } }]),
    });
    assert.equal(failed.statusCode, 409);
    assert.deepEqual(json(failed.body), {
      Results: null,
      Errors: [{ OpIndex: 1, What: 'failed to set key "a", index is stale' }],
    });
    assert.equal((await app.inject({ url: '/v1/kv/b' })).statusCode, 404, 'nothing of the failed txn stayed');
  });

  it('takes a LockDelay above 60 s as given, and applies at most 60 s, as Consul (structs.MaxLockDelay)', async () => {
    const { app, clock } = await setup();
    const create = async (body: string) =>
      (json((await app.inject({ method: 'PUT', url: '/v1/session/create', payload: body })).body) as { ID: string }).ID;
    const first = await create('{"LockDelay":"120s"}');
    const info = json((await app.inject({ url: `/v1/session/info/${first}` })).body) as { LockDelay: number }[];
    assert.equal(info[0]?.LockDelay, 120e9);
    const acquire = async (session: string) =>
      (await app.inject({ method: 'PUT', url: `/v1/kv/held?acquire=${session}`, payload: 'x' })).body;
    assert.equal(await acquire(first), 'true');
    await app.inject({ method: 'PUT', url: `/v1/session/destroy/${first}` });
    const second = await create('{}');
    assert.equal(await acquire(second), 'false');
    clock.advance(59_999);
    assert.equal(await acquire(second), 'false');
    clock.advance(2);
    assert.equal(await acquire(second), 'true');
  });

  it("refuses a lock inside a lock delay with Consul's TxnError, before Raft (Txn preCheck)", async () => {
    const { app, clock, store } = await setup();
    const create = async (body: string) =>
      (json((await app.inject({ method: 'PUT', url: '/v1/session/create', payload: body })).body) as { ID: string }).ID;
    const first = await create('{"LockDelay":"10s"}');
    const acquired = await app.inject({ method: 'PUT', url: `/v1/kv/held?acquire=${first}`, payload: 'x' });
    assert.equal(acquired.body, 'true');
    await app.inject({ method: 'PUT', url: `/v1/session/destroy/${first}` });
    const second = await create('{}');
    const lock = JSON.stringify([
      { KV: { Verb: 'set', Key: 'other', Value: 'eA==' } },
      { KV: { Verb: 'lock', Key: 'held', Value: 'eQ==', Session: second } },
    ]);
    const refused = await app.inject({ method: 'PUT', url: '/v1/txn', payload: lock });
    assert.equal(refused.statusCode, 409);
    assert.deepEqual(json(refused.body), {
      Results: null,
      Errors: [{ OpIndex: 1, What: 'failed to lock key "held" due to lock delay' }],
    });
    assert.deepEqual([kvsGet(store, 'held').value?.Session, kvsGet(store, 'other').value], ['', null]);
    clock.advance(10_001);
    const taken = await app.inject({ method: 'PUT', url: '/v1/txn', payload: lock });
    assert.equal(taken.statusCode, 200, taken.body);
    assert.equal(kvsGet(store, 'held').value?.Session, second);
  });

  it("refuses a KV op without a key (delete-tree aside) with Consul's 'Must provide key'", async () => {
    const { app, store } = await setup();
    const run = async (ops: unknown[]) => {
      const response = await app.inject({ method: 'PUT', url: '/v1/txn', payload: JSON.stringify(ops) });
      return [response.statusCode, json(response.body)];
    };
    assert.deepEqual(
      await run([{ KV: { Verb: 'set', Key: 'a', Value: 'eA==' } }, { KV: { Verb: 'set', Key: '', Value: 'eA==' } }]),
      [409, { Results: null, Errors: [{ OpIndex: 1, What: 'Must provide key' }] }],
    );
    assert.equal(kvsGet(store, '').value, null);
    assert.equal(kvsGet(store, 'a').value, null, 'nothing of the refused txn was written');
    // Reads are checked too (Consul's Txn.Read runs the same preCheck).
    assert.deepEqual(await run([{ KV: { Verb: 'get-tree', Key: '' } }]), [
      409,
      { Results: null, Errors: [{ OpIndex: 0, What: 'Must provide key' }] },
    ]);
    assert.deepEqual(await run([{ KV: { Verb: 'delete-tree', Key: '' } }]), [200, { Results: [], Errors: null }]);
  });

  it('keeps uint64 Flags exact through a transaction body and its results', async () => {
    const { app, store } = await setup();
    const payload =
      '[{"KV":{"Verb":"set","Key":"t","Value":"dg==","Flags":18446744073709551615}},' +
      '{"kv":{"verb":"set","key":"u","value":"dg==","flags" : 9007199254740993 }},' +
      '{"KV":{"Verb":"set","Key":"s","Value":"dg==","Flags":9007199254740991}},{"KV":{"Verb":"get","Key":"t"}}]';
    const response = await app.inject({ method: 'PUT', url: '/v1/txn', payload });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(kvsGet(store, 't').value?.Flags, '18446744073709551615');
    assert.equal(kvsGet(store, 'u').value?.Flags, '9007199254740993');
    assert.equal(kvsGet(store, 's').value?.Flags, 9007199254740991);
    assert.match(response.body, /"Key":"t","Flags":18446744073709551615,/);
    const tooBig = await app.inject({
      method: 'PUT',
      url: '/v1/txn',
      payload: '[{"KV":{"Verb":"set","Key":"x","Value":"dg==","Flags":18446744073709551616}}]',
    });
    assert.equal(tooBig.statusCode, 400);
    assert.equal(kvsGet(store, 'x').value, null);
  });

  it('serves read-only transactions as reads, with leader meta', async () => {
    const { app } = await setup();
    const read = await app.inject({
      method: 'PUT',
      url: '/v1/txn?stale',
      payload: '[{"KV":{"Verb":"get-tree","Key":"a"}}]',
    });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['x-consul-knownleader'], 'true');
    assert.equal(read.headers['x-consul-lastcontact'], '0');
  });

  it('refuses more than 128 ops and oversized values with 413', async () => {
    const { app } = await setup({ limits: { kv_max_value_size: 4 } });
    const many = JSON.stringify(Array.from({ length: 129 }, () => ({ KV: { Verb: 'get', Key: 'x' } })));
    const tooMany = await app.inject({ method: 'PUT', url: '/v1/txn', payload: many });
    assert.deepEqual([tooMany.statusCode, tooMany.body], [413, 'Transaction contains too many operations (129 > 128)']);
    const big = await app.inject({
      method: 'PUT',
      url: '/v1/txn',
      payload: '[{"KV":{"Verb":"set","Key":"k","Value":"eHh4eHh4"}}]',
    });
    assert.deepEqual([big.statusCode, big.body], [413, 'Value for key "k" is too large (6 > 4 bytes)']);
  });
});

describe('session create defaults (Consul fixupEmptySessionChecks, LockDelay decoding)', () => {
  const cases: [string, Record<string, unknown>, unknown, unknown][] = [
    ['nothing given', {}, ['serfHealth'], null],
    ['Checks: []', { Checks: [] }, [], null],
    ['Checks of serfHealth only', { Checks: ['serfHealth'] }, ['serfHealth'], null],
    ['custom Checks keep the default NodeChecks', { Checks: ['a'] }, ['serfHealth'], ['a']],
    ['NodeChecks: [] drops the default Checks', { NodeChecks: [] }, [], null],
    ['NodeChecks given', { NodeChecks: ['b'] }, ['b'], null],
  ];
  for (const [what, body, nodeChecks, checks] of cases) {
    it(what, () => {
      const created = sessionCreateBody(body, 'n1');
      assert.deepEqual([created['NodeChecks'], created['Checks'], created['Node']], [nodeChecks, checks, 'n1']);
    });
  }
  it('reads LockDelay numbers and strings below 1000 ns as seconds', () => {
    assert.deepEqual(
      [15, 15e9, '15s', '20ns', undefined].map((value) => lockDelayNanoseconds(value)),
      [15e9, 15e9, 15e9, 20e9, 15e9],
    );
  });
});
