// Proves that catalog and KV writes of one event-loop turn share a Raft entry and still get their own answers: the
// FSM applies a batch's items in order at one index, a refused item refuses only itself, the codec refuses a batch
// holding a command that may not be batched (or another batch), a lone write is proposed as itself, two writes to
// one KV key go in successive entries (each version keeps its own index) while tree deletes are never batched, a
// caller that gives up while queued is never proposed, and a failed proposal fails every caller in it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { AbortError } from '../lib/errors.js';
import { CommandCodecError, decodeCommand, encodeCommand } from './fsm/codec.js';
import {
  batchCommand,
  batchConflictKey,
  type Command,
  deregisterCommand,
  kvCommand,
  registerCommand,
  sessionCommand,
} from './fsm/commands.js';
import { CatalogFsm } from './fsm/fsm.js';
import { ProposalBatcher, type ProposalOutcome } from './proposal-batcher.js';
import { nodes } from './state/catalog-reads.js';
import { kvsGet } from './state/kv-reads.js';
import { StateStore } from './state/store.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const register = (node: string): Command => registerCommand({ Node: node, Address: '10.0.0.1' });
const kvSet = (key: string, value: string): Command =>
  kvCommand({ Op: 'set', DirEnt: { Key: key, Value: Buffer.from(value).toString('base64') } });
const kvCas = (key: string, modifyIndex: number, value: string): Command =>
  kvCommand({
    Op: 'cas',
    DirEnt: { Key: key, Value: Buffer.from(value).toString('base64'), ModifyIndex: modifyIndex },
  });

describe('batch command', () => {
  it('applies every item at the entry index and answers each on its own', () => {
    const fsm = new CatalogFsm(new StateStore());
    const data = encodeCommand(
      batchCommand([
        register('a'),
        registerCommand({ Node: 'b' } as never),
        register('c'),
        deregisterCommand({ Node: 'a' }),
      ]),
    );
    const response = fsm.apply({ index: 7, term: 1, type: 'normal', data });
    assert.equal(response.error, null);
    const answers = response.value as { error: { code: string } | null }[];
    assert.deepEqual(
      answers.map((answer) => answer.error?.code ?? null),
      [null, 'ERR_INVALID_WRITE', null, null],
    );
    assert.deepEqual(
      nodes(fsm.store).value.map((node) => [node.Node, node.ModifyIndex]),
      [['c', 7]],
    );
  });

  it('applies KV items in order, each answered as its own entry would be', () => {
    const fsm = new CatalogFsm(new StateStore());
    const data = encodeCommand(batchCommand([kvSet('a', '1'), kvCas('b', 0, '2'), kvCas('a', 0, '3')]));
    const response = fsm.apply({ index: 9, term: 1, type: 'normal', data });
    assert.deepEqual(
      (response.value as { error: unknown; value?: unknown }[]).map((answer) => [answer.error, answer.value]),
      [
        [null, true],
        [null, true],
        [null, false],
      ],
    );
    const a = kvsGet(fsm.store, 'a').value;
    assert.deepEqual([a?.Value, a?.ModifyIndex], [Buffer.from('1').toString('base64'), 9]);
    assert.equal(kvsGet(fsm.store, 'b').value?.ModifyIndex, 9);
  });

  it('refuses a batch that holds a command that may not be batched, or another batch', () => {
    const holding = (item: unknown) => packr.pack({ v: 1, t: 'batch', p: [item] });
    assert.throws(() => decodeCommand(holding({ t: 'session', p: {} })), CommandCodecError);
    assert.throws(() => decodeCommand(holding({ t: 'batch', p: [] })), CommandCodecError);
    assert.throws(() => decodeCommand(packr.pack({ v: 1, t: 'batch', p: {} })), CommandCodecError);
    assert.deepEqual(decodeCommand(encodeCommand(batchCommand([register('a')]))), batchCommand([register('a')]));
  });
});

/** A batcher over a recording proposer that answers as the FSM would. */
function recorder(fail = false) {
  const proposed: Command[] = [];
  const fsm = new CatalogFsm(new StateStore());
  let index = 0;
  const batcher = new ProposalBatcher(async (command): Promise<ProposalOutcome> => {
    proposed.push(command);
    if (fail) throw new Error('not the leader');
    index++;
    return { index, response: fsm.apply({ index, term: 1, type: 'normal', data: encodeCommand(command) }) };
  });
  return { batcher, proposed };
}

describe('ProposalBatcher', () => {
  it('proposes the writes of one turn as one batch and answers each caller', async () => {
    const { batcher, proposed } = recorder();
    const outcomes = await Promise.all([batcher.submit(register('a')), batcher.submit(register('b'))]);
    assert.deepEqual(
      proposed.map((command) => command.type),
      ['batch'],
    );
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.index, (outcome.response as { error: unknown }).error]),
      [
        [1, null],
        [1, null],
      ],
    );
  });

  it('puts two writes to one KV key in successive entries, in order, and batches writes to other keys', async () => {
    const { batcher, proposed } = recorder();
    const outcomes = await Promise.all([
      batcher.submit(kvSet('k', '1')),
      batcher.submit(kvSet('other', '1')),
      batcher.submit(kvCas('k', 1, '2')),
      batcher.submit(kvSet('third', '1')),
    ]);
    assert.deepEqual(proposed, [
      batchCommand([kvSet('k', '1'), kvSet('other', '1')]),
      batchCommand([kvCas('k', 1, '2'), kvSet('third', '1')]),
    ]);
    // The CAS names the index the first write got, and that version only.
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.index, (outcome.response as { value?: unknown }).value]),
      [
        [1, true],
        [1, true],
        [2, true],
        [2, true],
      ],
    );
  });

  it('batches single-key KV writes and catalog writes, never tree deletes, the reaper or other commands', () => {
    assert.equal(batchConflictKey(kvSet('k', 'v')), 'kv:k');
    assert.equal(batchConflictKey(kvCommand({ Op: 'delete', DirEnt: { Key: 'k' } })), 'kv:k');
    assert.equal(batchConflictKey(register('n')), null);
    assert.equal(batchConflictKey(kvCommand({ Op: 'delete-tree', DirEnt: { Key: 'k/' } })), undefined);
    assert.equal(batchConflictKey(kvCommand({ Op: 'reap-tombstones', ReapIndex: 3 })), undefined);
    assert.equal(batchConflictKey(sessionCommand({ Op: 'destroy', Session: 'x' })), undefined);
  });

  it('proposes a lone write as itself', async () => {
    const { batcher, proposed } = recorder();
    await batcher.submit(register('a'));
    assert.deepEqual(
      proposed.map((command) => command.type),
      ['register'],
    );
  });

  it('leaves out a caller that gave up while queued', async () => {
    const { batcher, proposed } = recorder();
    const controller = new AbortController();
    const leaving = batcher.submit(register('gone'), controller.signal);
    const staying = batcher.submit(register('kept'));
    controller.abort();
    await assert.rejects(leaving, AbortError);
    await staying;
    assert.deepEqual(proposed, [register('kept')]);
  });

  it('fails every caller of a proposal that fails', async () => {
    const { batcher } = recorder(true);
    const results = await Promise.allSettled([batcher.submit(register('a')), batcher.submit(register('b'))]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
  });
});
