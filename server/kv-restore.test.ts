// Proves that a snapshot restore (the commands server/snapshot-restore.ts proposes through Raft) brings back the
// snapshot's KV entries and sessions, locks included, and drops live keys the snapshot does not have: the plan
// is applied phase by phase to a store that already holds other data, then compared by content.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCommand, CatalogFsm } from './fsm/index.js';
import { applyRestorePlan, restoreCommands, snapshotBytes } from './snapshot-restore.js';
import { ensureRegistration } from './state/catalog-ops.js';
import { kvsApply, sessionApply } from './state/kv-apply.js';
import { kvsList, sessionList } from './state/kv-reads.js';
import { StateStore } from './state/store.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function populate(store: StateStore, keys: readonly string[]): number {
  let index = 1;
  ensureRegistration(store, index, {
    Node: 'n1',
    Address: '10.0.0.1',
    Checks: [{ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' }],
  });
  sessionApply(store, ++index, {
    Op: 'create',
    Session: { ID: 's1', Node: 'n1', NodeChecks: ['serfHealth'], TTL: '30s' },
  });
  for (const key of keys) kvsApply(store, ++index, { Op: 'set', DirEnt: { Key: key, Value: b64(key), Flags: 9 } });
  kvsApply(store, ++index, { Op: 'lock', DirEnt: { Key: 'locked', Value: b64('v'), Session: 's1' } });
  return index;
}

const view = (store: StateStore) => ({
  kv: kvsList(store, '').value.map((entry) => [entry.Key, entry.Value, entry.Flags, entry.Session]),
  sessions: sessionList(store).value.map((session) => [session.ID, session.Node, session.TTL, session.NodeChecks]),
});

describe('snapshot restore of KV and sessions', () => {
  it('replaces the live KV store and sessions with the snapshot’s', async () => {
    const source = new CatalogFsm(new StateStore());
    populate(source.store, ['a', 'b/c']);
    const { Data: data } = await snapshotBytes(source);
    const target = new StateStore();
    let index = populate(target, ['stale', 'a']) + 100;
    const plan = await restoreCommands(target, data);
    await applyRestorePlan(plan, async (command) => {
      index++;
      applyCommand(target, index, command);
      return { index };
    });
    assert.deepEqual(view(target), view(source.store));
  });
});
