// Proves the KV, session and txn commands through the FSM: they round-trip the codec, apply at the entry's index
// with their values (true/false, the session ID, {Results, Errors}), refuse malformed payloads as typed errors,
// and a snapshot carries the kvs, tombstones and sessions tables (format 2 and later) into a fresh store unchanged, while
// a version 1 snapshot (catalog only) still restores.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommittedEntry } from '../../raft/fsm.js';
import { kvsGet, kvsList, sessionGet } from '../state/kv-reads.js';
import { StateStore } from '../state/store.js';
import { nodeRegistration } from '../state/testing/fixtures.js';
import {
  CatalogFsm,
  type Command,
  decodeCommand,
  encodeCommand,
  kvCommand,
  registerCommand,
  sessionCommand,
  snapshotFormatVersion,
  txnCommand,
} from './index.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function entry(index: number, command: Command): CommittedEntry {
  return { index, term: 1, type: 'normal', data: encodeCommand(command) };
}

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

function contentsOf(store: StateStore): unknown {
  const capture = store.capture();
  const tables = Object.fromEntries([...capture.tables].map(([name, rows]) => [name, [...rows.entries()]]));
  return { tables, indexes: [...capture.indexes.entries()].sort() };
}

describe('KV, session and txn commands', () => {
  const commands: Command[] = [
    kvCommand({ Op: 'set', DirEnt: { Key: 'a', Value: b64('x'), Flags: 3 } }),
    kvCommand({ Op: 'reap-tombstones', ReapIndex: 7 }),
    sessionCommand({ Op: 'create', Session: { ID: 's1', Node: 'n1', TTL: '10s' } }),
    txnCommand([{ KV: { Verb: 'get', Key: 'a', Value: null, Flags: 0, Index: 0, Session: '' } }]),
  ];
  for (const command of commands) {
    it(`round-trips ${command.type}`, () => assert.deepEqual(decodeCommand(encodeCommand(command)), command));
  }

  it('apply answers each command’s value at the entry index, and refusals as typed errors', () => {
    const fsm = new CatalogFsm(new StateStore());
    fsm.apply(entry(1, registerCommand(nodeRegistration('n1'))));
    assert.equal(fsm.apply(entry(2, kvCommand({ Op: 'set', DirEnt: { Key: 'a', Value: b64('x') } }))).value, true);
    assert.equal(
      fsm.apply(entry(3, kvCommand({ Op: 'cas', DirEnt: { Key: 'a', Value: b64('y'), ModifyIndex: 1 } }))).value,
      false,
    );
    const created = fsm.apply(
      entry(4, sessionCommand({ Op: 'create', Session: { ID: 's1', Node: 'n1', NodeChecks: [], LockDelay: 0 } })),
    );
    assert.equal(created.value, 's1');
    const locked = fsm.apply(entry(5, kvCommand({ Op: 'lock', DirEnt: { Key: 'l', Session: 's1' } })));
    assert.equal(locked.value, true);
    const txn = fsm.apply(
      entry(
        6,
        txnCommand([
          { KV: { Verb: 'set', Key: 'b', Value: b64('z'), Flags: 0, Index: 0, Session: '' } },
          { KV: { Verb: 'check-session', Key: 'l', Value: null, Flags: 0, Index: 0, Session: 's1' } },
        ]),
      ),
    );
    assert.deepEqual((txn.value as { Errors: unknown }).Errors, null);
    assert.equal(kvsGet(fsm.store, 'b').value?.ModifyIndex, 6);
    const bad = fsm.apply(entry(7, kvCommand({ Op: 'launch', DirEnt: { Key: 'a' } } as never)));
    assert.equal(bad.error?.code, 'ERR_INVALID_WRITE');
    const badSession = fsm.apply(entry(8, sessionCommand({ Op: 'create', Session: { ID: 's2', Node: 'ghost' } })));
    assert.equal(badSession.error?.code, 'ERR_MISSING_NODE');
    const badTxn = fsm.apply(entry(9, txnCommand([{ KV: { Verb: 'nope' } }] as never)));
    assert.equal(badTxn.error?.code, 'ERR_INVALID_WRITE');
    assert.equal(fsm.lastApplied.index, 9);
  });

  it('snapshots carry KV entries, tombstones and sessions into a fresh store', async () => {
    const fsm = new CatalogFsm(new StateStore());
    let index = 0;
    fsm.apply(entry(++index, registerCommand(nodeRegistration('n1'))));
    fsm.apply(
      entry(++index, sessionCommand({ Op: 'create', Session: { ID: 's1', Node: 'n1', NodeChecks: [], TTL: '15s' } })),
    );
    for (let key = 0; key < 2500; key++)
      fsm.apply(entry(++index, kvCommand({ Op: 'set', DirEnt: { Key: `k/${key}`, Value: b64(`v${key}`) } })));
    fsm.apply(entry(++index, kvCommand({ Op: 'lock', DirEnt: { Key: 'k/1', Session: 's1' } })));
    fsm.apply(entry(++index, kvCommand({ Op: 'delete-tree', DirEnt: { Key: 'k/2' } })));
    const expected = contentsOf(fsm.store);
    const parts: Uint8Array[] = [];
    const snapshot = fsm.snapshot();
    await snapshot.persist({ write: async (chunk) => void parts.push(new Uint8Array(chunk)) });
    snapshot.release();
    const restored = new CatalogFsm(new StateStore());
    await restored.restore(chunksOf(parts));
    assert.deepEqual(contentsOf(restored.store), expected);
    assert.equal(kvsGet(restored.store, 'k/1').value?.Session, 's1');
    assert.equal(sessionGet(restored.store, 's1').value?.TTL, '15s');
    assert.equal(kvsList(restored.store, 'k/2').index, index, 'the tree delete’s tombstone came along');
    assert.equal(
      Buffer.from(parts[0] as Uint8Array).readUInt8(7),
      snapshotFormatVersion,
      'written as the current format',
    );
  });

  it('still restores a format 1 (catalog only) snapshot', async () => {
    const fsm = new CatalogFsm(new StateStore());
    fsm.apply(entry(1, registerCommand(nodeRegistration('n1'))));
    const parts: Uint8Array[] = [];
    const snapshot = fsm.snapshot();
    await snapshot.persist({ write: async (chunk) => void parts.push(new Uint8Array(chunk)) });
    snapshot.release();
    // A format 1 file: the version byte of the magic is 1 and it holds only the catalog tables (empty KV ones here
    // are just rows records with no rows, which format 1 never wrote; the reader does not need them).
    const whole = Buffer.concat(parts);
    whole.writeUInt8(1, 7);
    const restored = new CatalogFsm(new StateStore());
    await restored.restore(chunksOf([whole]));
    assert.deepEqual(contentsOf(restored.store), contentsOf(fsm.store));
  });
});
