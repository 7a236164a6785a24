// Proves the KV, session and transaction semantics of the state store against Consul's (kvs.go, session.go,
// txn.go), by tables of writes on a fresh store: set keeps CreateIndex and the lock holder, CAS and delete-CAS,
// acquire/release with LockIndex, lock delay measured on an injected clock, tombstones that keep prefix indexes
// from sliding back (and their reaping), key listing with a separator, the invalidation cascade from a critical
// or deleted check and from node deregistration (release or delete behavior), and transactions that apply all
// or nothing with per-op errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deregister, ensureCheck, ensureRegistration } from './catalog-ops.js';
import { MissingNodeError } from './errors.js';
import { kvsApply, reapTombstones, sessionApply, validateSessionTtl } from './kv-apply.js';
import { KvError } from './kv-ops.js';
import { kvsGet, kvsList, kvsListKeys, nodeSessions, sessionGet, sessionList } from './kv-reads.js';
import { LockDelays } from './lock-delay.js';
import { StateStore } from './store.js';
import { nodeRegistration } from './testing/fixtures.js';
import { normalizeTxnOps } from './txn-normalize.js';
import { applyTxn, readTxn, type TxnOp } from './txn-ops.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A store with node n1 (serfHealth passing) at index 1; `now` drives lock delays. */
function fixture() {
  const clock = { nowMs: 0 };
  const store = new StateStore({ nowMs: () => clock.nowMs });
  ensureRegistration(
    store,
    1,
    nodeRegistration('n1', { Checks: [{ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' }] }),
  );
  let index = 1;
  const next = (): number => ++index;
  const kv = (Op: string, DirEnt: Record<string, unknown>): boolean => kvsApply(store, next(), { Op, DirEnt });
  const session = (fields: Record<string, unknown> = {}): string =>
    sessionApply(store, next(), {
      Op: 'create',
      Session: {
        ID: `s-${index}`,
        Node: 'n1',
        Behavior: 'release',
        LockDelay: 0,
        NodeChecks: ['serfHealth'],
        ...fields,
      },
    });
  return { store, clock, next, kv, session, index: () => index };
}

describe('KV writes', () => {
  it('set keeps CreateIndex, moves ModifyIndex, and skips an unchanged write', () => {
    const { store, kv } = fixture();
    assert.equal(kv('set', { Key: 'a', Value: b64('1') }), true);
    assert.equal(kv('set', { Key: 'a', Value: b64('2'), Flags: 7 }), true);
    const entry = kvsGet(store, 'a').value;
    assert.deepEqual(
      { ...entry },
      { Key: 'a', Flags: 7, Value: b64('2'), Session: '', LockIndex: 0, CreateIndex: 2, ModifyIndex: 3 },
    );
    kv('set', { Key: 'a', Value: b64('2'), Flags: 7 });
    assert.equal(kvsGet(store, 'a').value?.ModifyIndex, 3, 'an identical write changes nothing');
    kv('set', { Key: 'e' });
    assert.equal(kvsGet(store, 'e').value?.Value, null, 'an empty value is null');
  });

  it('cas: 0 writes only an absent key, n only a key at ModifyIndex n', () => {
    const { store, kv } = fixture();
    assert.equal(kv('cas', { Key: 'k', Value: b64('x'), ModifyIndex: 0 }), true);
    assert.equal(kv('cas', { Key: 'k', Value: b64('y'), ModifyIndex: 0 }), false);
    assert.equal(kv('cas', { Key: 'k', Value: b64('y'), ModifyIndex: 99 }), false);
    assert.equal(kv('cas', { Key: 'k', Value: b64('y'), ModifyIndex: 2 }), true);
    assert.equal(kv('cas', { Key: 'absent', Value: b64('y'), ModifyIndex: 5 }), false);
    assert.equal(kvsGet(store, 'k').value?.Value, b64('y'));
  });

  it('delete-cas: refuses a stale index, accepts the current one, and answers true for an absent key', () => {
    const { store, kv } = fixture();
    kv('set', { Key: 'k', Value: b64('x') });
    assert.equal(kv('delete-cas', { Key: 'k', ModifyIndex: 1 }), false);
    assert.equal(kv('delete-cas', { Key: 'k', ModifyIndex: 2 }), true);
    assert.equal(kvsGet(store, 'k').value, null);
    assert.equal(kv('delete-cas', { Key: 'k', ModifyIndex: 2 }), true);
  });

  it('lock: first acquire bumps LockIndex, the holder re-acquires, others are refused; unlock by the holder only', () => {
    const { store, kv, session } = fixture();
    const a = session();
    const b = session();
    assert.equal(kv('lock', { Key: 'l', Value: b64('a'), Session: a }), true);
    assert.equal(kvsGet(store, 'l').value?.LockIndex, 1);
    assert.equal(kv('lock', { Key: 'l', Value: b64('a2'), Session: a }), true);
    assert.deepEqual([kvsGet(store, 'l').value?.LockIndex, kvsGet(store, 'l').value?.Value], [1, b64('a2')]);
    assert.equal(kv('lock', { Key: 'l', Session: b }), false);
    assert.equal(kv('set', { Key: 'l', Value: b64('plain') }), true, 'plain writes ignore locks');
    assert.equal(kvsGet(store, 'l').value?.Session, a, 'and keep the holder');
    assert.equal(kv('unlock', { Key: 'l', Session: b }), false);
    assert.equal(kv('unlock', { Key: 'l', Session: a }), true);
    assert.equal(kvsGet(store, 'l').value?.Session, '');
    assert.equal(kv('lock', { Key: 'l', Session: b }), true);
    assert.equal(kvsGet(store, 'l').value?.LockIndex, 2);
  });

  it('lock refuses a missing or unknown session with Consul’s text', () => {
    const { kv } = fixture();
    assert.throws(() => kv('lock', { Key: 'l', Session: '' }), { message: 'missing session' });
    assert.throws(() => kv('lock', { Key: 'l', Session: 'nope' }), { message: 'invalid session "nope"' });
    assert.throws(() => kv('unlock', { Key: 'l', Session: '' }), KvError);
  });
});

describe('KV indexes and tombstones', () => {
  it('a found key answers its ModifyIndex, a missing one the KV table index (deletes included)', () => {
    const { store, kv } = fixture();
    kv('set', { Key: 'a', Value: b64('1') });
    kv('set', { Key: 'b', Value: b64('1') });
    assert.equal(kvsGet(store, 'a').index, 2);
    assert.equal(kvsGet(store, 'missing').index, 3);
    kv('delete', { Key: 'b' });
    assert.equal(kvsGet(store, 'missing').index, 4, 'the delete moved the table index');
  });

  it('a prefix index counts deletes under the prefix only, and falls back to the table index when empty', () => {
    const { store, kv } = fixture();
    kv('set', { Key: 'app/a', Value: b64('1') }); // 2
    kv('set', { Key: 'app/b', Value: b64('1') }); // 3
    kv('set', { Key: 'other', Value: b64('1') }); // 4
    assert.equal(kvsList(store, 'app/').index, 3);
    kv('delete', { Key: 'app/b' }); // 5
    assert.equal(kvsList(store, 'app/').index, 5, 'the tombstone keeps the index from going back to 2');
    assert.equal(kvsListKeys(store, 'app/', '').index, 5);
    kv('delete-tree', { Key: 'app/' }); // 6
    assert.deepEqual(kvsList(store, 'app/').value, []);
    assert.equal(kvsList(store, 'app/').index, 6);
    assert.equal(kvsList(store, 'nothing/').index, 6, 'an empty prefix answers the table index');
    assert.equal(reapTombstones(store, 7, 5), 1, 'the tombstone at 5 is reaped, the one at 6 stays');
    assert.equal(kvsList(store, 'app/').index, 6);
  });

  it('key listing collapses at the separator after the prefix', () => {
    const { store, kv } = fixture();
    for (const key of ['a/b/c', 'a/b/d', 'a/b0', 'a/c', 'b', 'a/b-x']) kv('set', { Key: key });
    assert.deepEqual(kvsListKeys(store, 'a/', '/').value, ['a/b-x', 'a/b/', 'a/b0', 'a/c']);
    assert.deepEqual(kvsListKeys(store, '', '/').value, ['a/', 'b']);
    assert.deepEqual(kvsListKeys(store, 'a/b', '').value, ['a/b-x', 'a/b/c', 'a/b/d', 'a/b0']);
  });

  it('a write fires the watchers of its key and of every prefix of it, and no others', () => {
    const { store, kv } = fixture();
    const fired: string[] = [];
    for (const prefix of ['', 'a/', 'a/b', 'b/']) store.watch(kvsList(store, prefix).watch, () => fired.push(prefix));
    kv('set', { Key: 'a/b', Value: b64('1') });
    assert.deepEqual(fired.sort(), ['', 'a/', 'a/b']);
  });
});

describe('sessions', () => {
  it('create checks the node and its checks, with Consul’s texts', () => {
    const { store, next, session } = fixture();
    assert.throws(() => session({ Node: 'ghost' }), MissingNodeError);
    assert.throws(() => session({ NodeChecks: ['nope'] }), { message: "Missing check 'nope' registration" });
    ensureCheck(store, next(), { Node: 'n1', CheckID: 'bad', Name: 'bad', Status: 'critical' });
    assert.throws(() => session({ NodeChecks: ['bad'] }), { message: "Check 'bad' is in critical state" });
    const id = session({ Name: 'x' });
    assert.equal(sessionGet(store, id).value?.Name, 'x');
    assert.equal(nodeSessions(store, 'N1').value.length, 1, 'node names are case-insensitive');
    assert.equal(sessionList(store).index, sessionGet(store, id).value?.CreateIndex);
  });

  it('TTL must be empty or within 10s..24h, with Consul’s text', () => {
    assert.equal(validateSessionTtl(''), '');
    assert.equal(validateSessionTtl('30s'), '30s');
    assert.equal(validateSessionTtl('0s'), '');
    assert.throws(() => validateSessionTtl('5s'), {
      message: "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]",
    });
    assert.throws(() => validateSessionTtl('25h'), /Invalid Session TTL '90000000000000'/);
    assert.throws(() => validateSessionTtl('abc'), {
      message: `Session TTL 'abc' invalid: time: invalid duration "abc"`,
    });
  });

  it('destroy releases held keys and blocks their re-acquisition for the lock delay', () => {
    const { store, clock, kv, session } = fixture();
    const a = session({ LockDelay: 2e9 });
    const b = session();
    kv('lock', { Key: 'l', Value: b64('v'), Session: a });
    sessionApply(store, 50, { Op: 'destroy', Session: { ID: a } });
    const entry = kvsGet(store, 'l').value;
    assert.deepEqual([entry?.Session, entry?.Value, entry?.LockIndex], ['', b64('v'), 1]);
    assert.equal(store.lockDelays.remainingMs('l'), 2000);
    clock.nowMs = 1999;
    assert.equal(store.lockDelays.remainingMs('l'), 1);
    clock.nowMs = 2000;
    assert.equal(store.lockDelays.remainingMs('l'), 0);
    assert.equal(kv('lock', { Key: 'l', Session: b }), true);
  });

  it('keeps the lock-delay table bounded by dropping expired entries', () => {
    const clock = { nowMs: 0 };
    const delays = new LockDelays(() => clock.nowMs);
    for (let key = 0; key < 5000; key++) {
      clock.nowMs = key * 100;
      delays.set(`k${key}`, 1000);
    }
    assert.ok(delays.size <= 2048, `${delays.size} entries`);
    assert.equal(delays.remainingMs('k4999'), 1000);
  });

  it('caps the lock delay at 60 s', () => {
    const { store, kv, session } = fixture();
    const a = session({ LockDelay: 3600e9 });
    kv('lock', { Key: 'l', Session: a });
    sessionApply(store, 50, { Op: 'destroy', Session: { ID: a } });
    assert.equal(store.lockDelays.remainingMs('l'), 60_000);
  });

  it('behavior delete deletes held keys on invalidation', () => {
    const { store, kv, session } = fixture();
    const a = session({ Behavior: 'delete' });
    kv('lock', { Key: 'd/1', Session: a });
    kv('lock', { Key: 'd/2', Session: a });
    kv('set', { Key: 'd/3' });
    sessionApply(store, 50, { Op: 'destroy', Session: { ID: a } });
    assert.deepEqual(
      kvsList(store, 'd/').value.map((entry) => entry.Key),
      ['d/3'],
    );
  });

  it('a bound check going critical invalidates the session; a passing update does not', () => {
    const { store, next, kv, session } = fixture();
    const a = session();
    kv('lock', { Key: 'l', Session: a });
    ensureCheck(store, next(), {
      Node: 'n1',
      CheckID: 'serfHealth',
      Name: 'Serf Health Status',
      Status: 'passing',
      Output: 'new',
    });
    assert.notEqual(sessionGet(store, a).value, null);
    ensureCheck(store, next(), { Node: 'n1', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'critical' });
    assert.equal(sessionGet(store, a).value, null);
    assert.equal(kvsGet(store, 'l').value?.Session, '');
  });

  it('service checks bind too, and deleting a bound check invalidates', () => {
    const { store, next, kv, session } = fixture();
    ensureRegistration(store, next(), {
      Node: 'n1',
      Address: '10.0.0.2',
      Service: { Service: 'web' },
      Checks: [{ CheckID: 'web-ok', Name: 'web', ServiceID: 'web', Status: 'passing' }],
    });
    const a = session({ NodeChecks: [], ServiceChecks: [{ ID: 'web-ok', Namespace: '' }] });
    kv('lock', { Key: 'l', Session: a });
    deregister(store, next(), { Node: 'n1', ServiceID: 'web' });
    assert.equal(sessionGet(store, a).value, null, 'the service went, with its check');
    assert.equal(kvsGet(store, 'l').value?.Session, '');
  });

  it('deregistering the node invalidates every session on it', () => {
    const { store, next, kv, session } = fixture();
    const a = session({ NodeChecks: [] });
    const b = session({ NodeChecks: [], Behavior: 'delete' });
    kv('lock', { Key: 'x', Session: a });
    kv('lock', { Key: 'y', Session: b });
    deregister(store, next(), { Node: 'n1' });
    assert.deepEqual(sessionList(store).value, []);
    assert.equal(kvsGet(store, 'x').value?.Session, '');
    assert.equal(kvsGet(store, 'y').value, null);
  });
});

describe('transactions', () => {
  const ops = (list: unknown[]): TxnOp[] => normalizeTxnOps(list);

  it('applies every op at one index and returns results without values except for gets', () => {
    const { store, kv } = fixture();
    kv('set', { Key: 'old', Value: b64('o') });
    const response = applyTxn(
      store,
      10,
      ops([
        { KV: { Verb: 'set', Key: 'n1', Value: b64('a') } },
        { KV: { Verb: 'cas', Key: 'n2', Value: b64('b'), Index: 0 } },
        { KV: { Verb: 'get', Key: 'old' } },
        { KV: { Verb: 'delete', Key: 'old' } },
        { KV: { Verb: 'check-not-exists', Key: 'old' } },
      ]),
    );
    assert.equal(response.Errors, null);
    assert.deepEqual(
      response.Results?.map((result) =>
        'KV' in result ? [result.KV.Key, result.KV.Value, result.KV.ModifyIndex] : null,
      ),
      [
        ['n1', null, 10],
        ['n2', null, 10],
        ['old', b64('o'), 2],
      ],
    );
    assert.equal(kvsGet(store, 'old').value, null);
  });

  it("answers get-or-empty on a missing key with one result of the op's entry, value null (Consul)", () => {
    const { store, kv } = fixture();
    kv('set', { Key: 'here', Value: b64('v') });
    const response = applyTxn(
      store,
      10,
      ops([{ KV: { Verb: 'get-or-empty', Key: 'missing', Flags: 7 } }, { KV: { Verb: 'get-or-empty', Key: 'here' } }]),
    );
    assert.equal(response.Errors, null);
    assert.deepEqual(
      response.Results?.map((result) => ('KV' in result ? [result.KV.Key, result.KV.Value, result.KV.Flags] : null)),
      [
        ['missing', null, 7],
        ['here', b64('v'), 0],
      ],
    );
    assert.equal(kvsGet(store, 'missing').value, null);
  });

  it('rolls everything back and reports each failing op with its position', () => {
    const { store, kv } = fixture();
    kv('set', { Key: 'k', Value: b64('v') });
    const before = store.capture();
    const response = applyTxn(
      store,
      10,
      ops([
        { KV: { Verb: 'set', Key: 'new', Value: b64('a') } },
        { KV: { Verb: 'cas', Key: 'k', Value: b64('b'), Index: 99 } },
        { KV: { Verb: 'check-index', Key: 'k', Index: 1 } },
        { KV: { Verb: 'lock', Key: 'k', Session: 'ghost' } },
        { Node: { Verb: 'get', Node: { Node: 'nobody' } } },
      ]),
    );
    assert.equal(response.Results, null);
    assert.deepEqual(response.Errors, [
      { OpIndex: 1, What: 'failed to set key "k", index is stale' },
      { OpIndex: 2, What: 'failed index check for key "k", current modify index 2 != 1' },
      { OpIndex: 3, What: 'invalid session "ghost"' },
      { OpIndex: 4, What: 'node "nobody" doesn\'t exist' },
    ]);
    assert.equal(kvsGet(store, 'new').value, null);
    assert.deepEqual(store.capture().tables.get('kvs'), before.tables.get('kvs'));
  });

  it('writes catalog rows and reads them back in a read-only transaction', () => {
    const { store } = fixture();
    const written = applyTxn(
      store,
      10,
      ops([
        { Node: { Verb: 'set', Node: { Node: 'n2', Address: '10.0.0.9' } } },
        { Service: { Verb: 'set', Node: 'n2', Service: { Service: 'db', Port: 5432 } } },
        {
          Check: {
            Verb: 'set',
            Check: { Node: 'n2', CheckID: 'db-ok', Name: 'db', ServiceID: 'db', Status: 'passing' },
          },
        },
      ]),
    );
    assert.equal(written.Errors, null);
    const read = readTxn(
      store,
      ops([
        { Service: { Verb: 'get', Node: 'n2', Service: { ID: 'db' } } },
        { Check: { Verb: 'get', Check: { Node: 'n2', CheckID: 'db-ok' } } },
        { KV: { Verb: 'get-tree', Key: '' } },
      ]),
    );
    assert.equal(read.Errors, null);
    assert.equal(read.Results?.length, 2);
    assert.throws(() => readTxn(store, ops([{ KV: { Verb: 'set', Key: 'x' } }])), KvError);
  });

  it("applies catalog cas and delete-cas only at the row's ModifyIndex (0 = only if absent)", () => {
    const { store } = fixture();
    const node = { Node: { Verb: 'set', Node: { Node: 'n3', Address: '10.0.0.3' } } };
    // Each write changes the port: an identical write would leave ModifyIndex where it was.
    const service = (verb: string, modifyIndex: number, port = 1) => ({
      Service: { Verb: verb, Node: 'n3', Service: { ID: 'db', Service: 'db', Port: port, ModifyIndex: modifyIndex } },
    });
    assert.equal(applyTxn(store, 10, ops([node, service('cas', 0)])).Errors, null);
    assert.deepEqual(applyTxn(store, 11, ops([service('cas', 0)])).Errors, [
      { OpIndex: 0, What: 'failed to set service "db" on node "n3", index is stale' },
    ]);
    assert.equal(applyTxn(store, 12, ops([service('cas', 10, 2)])).Errors, null);
    assert.deepEqual(applyTxn(store, 13, ops([service('delete-cas', 10)])).Errors, [
      { OpIndex: 0, What: 'failed to delete service "db" on node "n3", index is stale' },
    ]);
    assert.equal(applyTxn(store, 14, ops([service('delete-cas', 12)])).Errors, null);
    assert.deepEqual(applyTxn(store, 15, ops([service('delete-cas', 12)])).Errors, [
      { OpIndex: 0, What: 'failed to delete service "db" on node "n3", index is stale' },
    ]);
  });

  it('refuses malformed ops and more than 128 of them', () => {
    assert.throws(() => ops([{ KV: { Verb: 'launch', Key: 'x' } }]), /Unknown KV operation "launch"/);
    assert.throws(() => ops([{}]), /names no KV, Node, Service or Check operation/);
    assert.throws(() => ops([{ KV: { Verb: 'set', Key: 'x', Value: '%%%' } }]), /not base64/);
    // Go's base64.StdEncoding (Consul's txn endpoint, every Go client reading the key back) needs the padding and
    // the standard alphabet: a stored 'dg' made GET /v1/kv/x undecodable for them.
    for (const value of ['dg', 'dg=', 'd-_=', 'dg==dg=='])
      assert.throws(() => ops([{ KV: { Verb: 'set', Key: 'x', Value: value } }]), /not base64/, value);
    assert.deepEqual(ops([{ KV: { Verb: 'set', Key: 'x', Value: 'dg==' } }]), [
      { KV: { Verb: 'set', Key: 'x', Value: 'dg==', Flags: 0, Index: 0, Session: '' } },
    ]);
    // An entry already in a Raft log is replayed as it was applied, whatever its padding.
    assert.deepEqual(normalizeTxnOps([{ KV: { Verb: 'set', Key: 'x', Value: 'dg' } }], 'log'), [
      { KV: { Verb: 'set', Key: 'x', Value: 'dg', Flags: 0, Index: 0, Session: '' } },
    ]);
    const many = Array.from({ length: 129 }, () => ({ KV: { Verb: 'get', Key: 'x' } }));
    assert.throws(() => ops(many), { message: 'Transaction contains too many operations (129 > 128)' });
  });
});
