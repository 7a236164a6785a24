// Proves the leader's side of a user restore: a snapshot that could not be installed is refused as a bad request
// before anything is proposed, and a good one is proposed as its parts in order, answering the last entry's index
// and the snapshot's node count.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registerCommand } from './fsm/commands.js';
import { CatalogFsm, type Command, encodeCommand } from './fsm/index.js';
import { BadRequestError } from './rpc/errors.js';
import { restoreThroughRaft, snapshotBytes } from './snapshot-restore.js';
import { nodes } from './state/catalog-reads.js';
import { StateStore } from './state/store.js';
import { serviceRegistration } from './state/testing/fixtures.js';

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
});
