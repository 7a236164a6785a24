// Proves that the npm `consul` package (2.x, a real Consul client) drives Lattice's KV, sessions and transactions
// against `lattice agent -dev` on 127.0.0.60: kv.set/get/keys/del with cas, flags and recurse (a miss resolves
// undefined), session create/info/node/list/renew/destroy, acquire/release through kv.set, transaction.create with
// a committed and a rolled-back (409) transaction, and consul.watch on kv.get seeing a write.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Consul from 'consul';
import { type LatticeProcess, startLattice, waitFor } from './helpers/lattice-process.js';

const address = '127.0.0.60';
const nodeName = 'kv-client-node';
let agent: LatticeProcess;
let consul: Consul;

interface Pair {
  Key: string;
  Value: string | null;
  Flags: number;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

const statusOf = (error: unknown): number | undefined =>
  (error as { response?: { statusCode?: number } } | null)?.response?.statusCode;

before(async () => {
  agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, `-node=${nodeName}`]);
  consul = new Consul({ host: address, port: 8500 });
  // Ready once a session can be created: a leader and this node registered with its serfHealth check.
  await waitFor(
    async () => {
      if (agent.hasExited) throw new Error(`lattice exited\n${agent.output}`);
      try {
        const { ID } = (await consul.session.create({})) as { ID: string };
        await consul.session.destroy(ID);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'ECONNREFUSED' || statusOf(error) === 500) return false;
        throw error;
      }
    },
    { what: 'a -dev agent that can create sessions', deadlineMs: 30_000 },
  );
});

after(async () => {
  consul?.destroy();
  if (agent && !agent.hasExited) await agent.stop('SIGINT');
});

describe('npm consul client: KV, sessions, transactions', () => {
  it('kv set/get/keys/del with cas, flags and recurse', async () => {
    assert.equal(await consul.kv.set({ key: 'client/a', value: 'one', flags: 7 }), true);
    assert.equal(await consul.kv.set('client/b/c', 'two'), true);
    const pair = (await consul.kv.get('client/a')) as Pair;
    assert.deepEqual([pair.Key, pair.Value, pair.Flags], ['client/a', 'one', 7], 'the package decodes base64');
    assert.equal(await consul.kv.get('client/missing'), undefined);
    // Lattice answers `false` as Consul does; the package hands a JSON `false` body back as undefined.
    assert.notEqual(await consul.kv.set({ key: 'client/a', value: 'stale', cas: pair.ModifyIndex - 1 }), true);
    assert.equal(await consul.kv.set({ key: 'client/a', value: 'three', cas: pair.ModifyIndex }), true);
    assert.deepEqual(await consul.kv.keys({ key: 'client/', separator: '/' }), ['client/a', 'client/b/']);
    const tree = (await consul.kv.get({ key: 'client/', recurse: true })) as Pair[];
    assert.deepEqual(
      tree.map((entry) => [entry.Key, entry.Value]),
      [
        ['client/a', 'three'],
        ['client/b/c', 'two'],
      ],
    );
    await consul.kv.del({ key: 'client/', recurse: true });
    assert.equal(await consul.kv.get({ key: 'client/', recurse: true }), undefined);
  });

  it('sessions: create, info, node, list, renew, destroy; acquire and release through kv.set', async () => {
    const { ID: id } = (await consul.session.create({ name: 'client-lock', ttl: '30s', lockdelay: '1s' })) as {
      ID: string;
    };
    const info = (await consul.session.info(id)) as { Name: string; Node: string; TTL: string; LockDelay: number };
    assert.deepEqual([info.Name, info.Node, info.TTL, info.LockDelay], ['client-lock', nodeName, '30s', 1e9]);
    assert.ok(((await consul.session.node(nodeName)) as { ID: string }[]).some((session) => session.ID === id));
    assert.ok(((await consul.session.list()) as { ID: string }[]).some((session) => session.ID === id));
    assert.equal(((await consul.session.renew(id)) as { ID: string }[])[0]?.ID, id);
    assert.equal(await consul.kv.set({ key: 'client/lock', value: 'held', acquire: id }), true);
    assert.equal(((await consul.kv.get('client/lock')) as Pair).Session, id);
    assert.equal(await consul.kv.set({ key: 'client/lock', value: '', release: id }), true);
    await consul.session.destroy(id);
    assert.equal(await consul.session.info(id), undefined);
    await assert.rejects(consul.session.renew(id), (error) => statusOf(error) === 404);
  });

  it('transaction.create commits, and a failing one is a 409 with the errors', async () => {
    const value = Buffer.from('txn').toString('base64');
    // The package's typings want {operations}; its code (and Consul's API) takes the op list itself.
    const committed = (await consul.transaction.create([
      { KV: { Verb: 'set', Key: 'client/txn', Value: value } },
      { KV: { Verb: 'get', Key: 'client/txn' } },
    ] as never)) as { Results: { KV: { Value: string | null } }[]; Errors: unknown };
    assert.deepEqual([committed.Results.map((result) => result.KV.Value), committed.Errors], [[null, value], null]);
    await assert.rejects(
      consul.transaction.create([{ KV: { Verb: 'check-not-exists', Key: 'client/txn' } }] as never),
      (error) => statusOf(error) === 409,
    );
  });

  it('consul.watch on kv.get sees a write', async () => {
    const changes: (Pair | undefined)[] = [];
    const errors: unknown[] = [];
    const watch = consul.watch({
      method: consul.kv.get,
      options: { key: 'client/watched', wait: '5s' } as unknown as Record<string, string>,
    });
    watch.on('change', (data: Pair | undefined) => changes.push(data));
    watch.on('error', (error: unknown) => errors.push(error));
    try {
      await waitFor(() => changes.length >= 1 || errors.length > 0, { what: 'the first watch answer' });
      assert.deepEqual(errors, []);
      assert.equal(changes[0], undefined, 'a missing key is undefined, and the 404 carried an index');
      await consul.kv.set('client/watched', 'now');
      await waitFor(() => changes.some((change) => change?.Value === 'now'), { what: 'the watch to see the write' });
    } finally {
      watch.end();
    }
  });
});
