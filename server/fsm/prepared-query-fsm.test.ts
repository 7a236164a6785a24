// Proves the prepared-query command through the FSM and snapshots: it round-trips the codec, create/update/delete
// apply at the entry's index (refusals as typed errors in the response), a snapshot carries the prepared-queries
// table into a fresh store unchanged, a format 3 snapshot (before the table existed) still restores with no
// queries, and a user's restore replaces the live queries with the snapshot's, session-bound ones included.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` is the template language under test, not JS.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommittedEntry } from '../../raft/fsm.js';
import { preparedQueryGet, preparedQueryList } from '../state/prepared-query-reads.js';
import { StateStore } from '../state/store.js';
import { nodeRegistration } from '../state/testing/fixtures.js';
import { restoreCommand } from './commands.js';
import {
  CatalogFsm,
  type Command,
  decodeCommand,
  encodeCommand,
  preparedQueryCommand,
  registerCommand,
  sessionCommand,
} from './index.js';
import { restoreParts } from './user-restore.js';

const id1 = '11111111-1111-1111-1111-111111111111';
const query = (fields: Record<string, unknown>) => ({ Service: { Service: 'web' }, ...fields }) as never;

function entry(index: number, command: Command): CommittedEntry {
  return { index, term: 1, type: 'normal', data: encodeCommand(command) };
}

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

async function snapshotBytes(fsm: CatalogFsm): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const snapshot = fsm.snapshot();
  await snapshot.persist({ write: async (chunk) => void parts.push(new Uint8Array(chunk)) });
  snapshot.release();
  return Buffer.concat(parts);
}

function contentsOf(store: StateStore): unknown {
  const capture = store.capture();
  const tables = Object.fromEntries([...capture.tables].map(([name, rows]) => [name, [...rows.entries()]]));
  return { tables, indexes: [...capture.indexes.entries()].sort() };
}

describe('prepared-query command', () => {
  it('round-trips the codec', () => {
    const command = preparedQueryCommand({ Op: 'create', Query: query({ ID: id1, Name: 'q' }) });
    assert.deepEqual(decodeCommand(encodeCommand(command)), command);
  });

  it('applies create, update and delete at the entry index; refusals come back as typed errors', () => {
    const fsm = new CatalogFsm(new StateStore());
    const created = fsm.apply(entry(1, preparedQueryCommand({ Op: 'create', Query: query({ ID: id1, Name: 'q' }) })));
    assert.equal(created.value, id1);
    fsm.apply(entry(2, preparedQueryCommand({ Op: 'update', Query: query({ ID: id1, Name: 'q2' }) })));
    assert.deepEqual(
      [preparedQueryGet(fsm.store, id1).value?.Name, preparedQueryGet(fsm.store, id1).value?.CreateIndex],
      ['q2', 1],
    );
    const bad = fsm.apply(entry(3, preparedQueryCommand({ Op: 'create', Query: query({ ID: id1, Name: 5 }) })));
    assert.equal(bad.error?.code, 'ERR_INVALID_WRITE');
    const badOp = fsm.apply(entry(4, preparedQueryCommand({ Op: 'rename', Query: query({ ID: id1 }) } as never)));
    assert.match(badOp.error?.message ?? '', /Unknown prepared query operation: rename/);
    fsm.apply(entry(5, preparedQueryCommand({ Op: 'delete', Query: query({ ID: id1 }) })));
    assert.equal(preparedQueryGet(fsm.store, id1).value, null);
  });

  it('snapshots carry the queries into a fresh store; a format 3 snapshot restores without any', async () => {
    const fsm = new CatalogFsm(new StateStore());
    fsm.apply(entry(1, preparedQueryCommand({ Op: 'create', Query: query({ ID: id1, Name: 'q' }) })));
    fsm.apply(
      entry(
        2,
        preparedQueryCommand({
          Op: 'create',
          Query: query({
            ID: '22222222-2222-2222-2222-222222222222',
            Name: 'geo-',
            Template: { Type: 'name_prefix_match' },
            Service: { Service: '${name.suffix}' },
          }),
        }),
      ),
    );
    const bytes = await snapshotBytes(fsm);
    const restored = new CatalogFsm(new StateStore());
    await restored.restore(chunksOf([bytes]));
    assert.deepEqual(contentsOf(restored.store), contentsOf(fsm.store));
    assert.equal(preparedQueryList(restored.store).value.length, 2);

    const older = await snapshotBytes(new CatalogFsm(new StateStore()));
    older.writeUInt8(3, 7);
    const fromOlder = new CatalogFsm(new StateStore());
    await fromOlder.restore(chunksOf([older]));
    assert.equal(preparedQueryList(fromOlder.store).value.length, 0);
  });

  it('a user restore replaces the live queries with the snapshot’s, session-bound ones with their session', async () => {
    const source = new CatalogFsm(new StateStore());
    source.apply(entry(1, registerCommand(nodeRegistration('n1'))));
    source.apply(entry(2, sessionCommand({ Op: 'create', Session: { ID: 's1', Node: 'n1', NodeChecks: [] } })));
    source.apply(entry(3, preparedQueryCommand({ Op: 'create', Query: query({ ID: id1, Session: 's1' }) })));
    const live = new CatalogFsm(new StateStore());
    const liveId = '33333333-3333-3333-3333-333333333333';
    live.apply(entry(1, preparedQueryCommand({ Op: 'create', Query: query({ ID: liveId, Name: 'old' }) })));
    let index = 1;
    for (const part of restoreParts('r1', await snapshotBytes(source)))
      assert.equal(live.apply(entry(++index, restoreCommand(part))).error, null);
    assert.deepEqual(
      preparedQueryList(live.store).value.map((row) => [row.ID, row.Session]),
      [[id1, 's1']],
    );
  });
});
