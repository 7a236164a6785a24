// Proves that catalog writes of one event-loop turn share a Raft entry and still get their own answers: the FSM
// applies a batch's items in order at one index, a refused item refuses only itself, the codec refuses a batch
// holding a command that may not be batched (or another batch), a lone write is proposed as itself, a caller that
// gives up while queued is never proposed, and a failed proposal fails every caller in it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { AbortError } from '../lib/errors.js';
import { CommandCodecError, decodeCommand, encodeCommand } from './fsm/codec.js';
import { batchCommand, type Command, deregisterCommand, registerCommand } from './fsm/commands.js';
import { CatalogFsm } from './fsm/fsm.js';
import { ProposalBatcher, type ProposalOutcome } from './proposal-batcher.js';
import { nodes } from './state/catalog-reads.js';
import { StateStore } from './state/store.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const register = (node: string): Command => registerCommand({ Node: node, Address: '10.0.0.1' });

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

  it('refuses a batch that holds a command that may not be batched, or another batch', () => {
    const holding = (item: unknown) => packr.pack({ v: 1, t: 'batch', p: [item] });
    assert.throws(() => decodeCommand(holding({ t: 'kv', p: {} })), CommandCodecError);
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
