// Proves the leader's side of a user restore: a snapshot that could not be installed is refused as a bad request
// before anything is proposed, a good one is proposed as its parts in order, answering the last entry's index and
// the snapshot's node count, and the parts are proposed back to back, all of them before the first commits, with
// the first failing part's error as the answer.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { kvCommand, registerCommand } from './fsm/commands.js';
import { CatalogFsm, type Command, encodeCommand } from './fsm/index.js';
import { BadRequestError } from './rpc/errors.js';
import { restoreThroughRaft, snapshotBytes } from './snapshot-restore.js';
import { nodes } from './state/catalog-reads.js';
import { StateStore } from './state/store.js';
import { serviceRegistration } from './state/testing/fixtures.js';

/** A snapshot of more than two restore parts: values that do not compress. */
async function multiPartSnapshot(): Promise<Uint8Array> {
  const source = new CatalogFsm(new StateStore());
  for (let index = 1; index <= 3; index++) {
    const Value = randomBytes(600 * 1024).toString('base64');
    const command = kvCommand({ Op: 'set', DirEnt: { Key: `blob/${index}`, Value } });
    source.apply({ index, term: 1, type: 'normal', data: encodeCommand(command) });
  }
  return (await snapshotBytes(source)).Data;
}

/** An ApplyCommand that records proposals and commits them only when told to. */
function heldProposals() {
  const proposed: { command: Command; commit: () => void; fail: (error: Error) => void }[] = [];
  const apply = (command: Command) =>
    new Promise<{ index: number; value: unknown }>((resolve, reject) => {
      const index = proposed.length + 1;
      proposed.push({ command, commit: () => resolve({ index, value: { NodesRestored: 0 } }), fail: reject });
    });
  return { proposed, apply };
}

describe('restore through Raft on the leader', () => {
  it('refuses an upload that is not a snapshot without proposing anything', async () => {
    const proposed: Command[] = [];
    await assert.rejects(
      restoreThroughRaft(new Uint8Array([1, 2, 3]), async (command) => {
        proposed.push(command);
        return { index: 1, value: undefined };
      }),
      BadRequestError,
    );
    assert.deepEqual(proposed, []);
  });

  it('proposes the parts in order to an FSM and answers the last index and the node count', async () => {
    const source = new CatalogFsm(new StateStore());
    source.apply({
      index: 7,
      term: 1,
      type: 'normal',
      data: encodeCommand(registerCommand(serviceRegistration('n1', { Service: 'web' }))),
    });
    const { Data: data } = await snapshotBytes(source);
    const target = new CatalogFsm(new StateStore());
    let index = 100;
    const reply = await restoreThroughRaft(
      data,
      async (command) => {
        index++;
        const response = target.apply({ index, term: 1, type: 'normal', data: encodeCommand(command) });
        assert.equal(response.error, null);
        return { index, value: response.value };
      },
      () => 'restore-1',
    );
    assert.deepEqual(reply, { Index: index, NodesRestored: 1 });
    assert.equal(nodes(target.store).value.length, 1);
  });

  it('proposes every part before the first one commits', async () => {
    const data = await multiPartSnapshot();
    const { proposed, apply } = heldProposals();
    const restore = restoreThroughRaft(data, apply, () => 'restore-2');
    await Promise.resolve();
    assert.ok(proposed.length >= 3, `${proposed.length} parts proposed`);
    assert.deepEqual(
      proposed.map(({ command }) => (command.type === 'restore' ? command.request.Part : -1)),
      proposed.map((_, position) => position),
      'in part order',
    );
    for (const { commit } of proposed) commit();
    assert.deepEqual(await restore, { Index: proposed.length, NodesRestored: 0 });
  });

  it('answers the first failing part once every proposal has settled', async () => {
    const data = await multiPartSnapshot();
    const { proposed, apply } = heldProposals();
    const restore = restoreThroughRaft(data, apply, () => 'restore-3');
    await Promise.resolve();
    proposed[0]?.commit();
    proposed[1]?.fail(new Error('leadership lost at part 1'));
    for (const { fail } of proposed.slice(2)) fail(new Error('not the leader'));
    await assert.rejects(restore, { message: 'leadership lost at part 1' });
  });
});
