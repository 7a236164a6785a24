// Proves a user's snapshot restore is one swap of the whole store at the restore's last Raft entry: until then every
// read sees the live state unchanged (never an empty catalog or a missing key), after it the snapshot's rows with
// the indexes it stored (CreateIndex, ModifyIndex, LockIndex), and a blocking query waiting on the old state returns
// at once, and later writes get indexes above the restored ones. Staged parts survive a Raft snapshot taken mid-upload, a later term or a part out of sequence drops the
// upload without touching the store, and a snapshot without a CA or autopilot configuration keeps the live ones.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CA_CONFIG_DEFAULTS, normalizeIntention } from '../../connect/index.js';
import { ManualClock } from '../../lib/clock.js';
import type { CommittedEntry } from '../../raft/fsm.js';
import { initialCaRequest } from '../endpoints/connect-ca-provider.js';
import { snapshotBytes } from '../snapshot-restore.js';
import { autopilotSet } from '../state/autopilot-ops.js';
import { nodes } from '../state/catalog-reads.js';
import { caRoots, configEntryList, intentionList } from '../state/connect-reads.js';
import { kvsApply, sessionApply } from '../state/kv-apply.js';
import { kvsGet, kvsList } from '../state/kv-reads.js';
import { preparedQueryList } from '../state/prepared-query-reads.js';
import { StateStore } from '../state/store.js';
import type { AutopilotConfigFields } from '../state/tables/autopilot.js';
import { serviceRegistration } from '../state/testing/fixtures.js';
import { blockingQuery } from '../state-watch.js';
import { restoreCommand } from './commands.js';
import type { ApplyResponse } from './fsm.js';
import {
  CatalogFsm,
  type Command,
  caRootsCommand,
  configEntryCommand,
  encodeCommand,
  intentionCommand,
  kvCommand,
  preparedQueryCommand,
  registerCommand,
} from './index.js';
import { type RestoreOutcome, restorePartSizeBytesMax, restoreParts } from './user-restore.js';

const autopilotFields: AutopilotConfigFields = {
  CleanupDeadServers: false,
  LastContactThresholdMs: 200,
  MaxTrailingLogs: 250,
  MinQuorum: 0,
  ServerStabilizationTimeMs: 10_000,
  RedundancyZoneTag: '',
  DisableUpgradeMigration: false,
  UpgradeVersionTag: '',
};

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function entry(index: number, command: Command, term = 1): CommittedEntry {
  return { index, term, type: 'normal', data: encodeCommand(command) };
}

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

/** A store with a node, a service, a TTL session, plain keys and one held lock, written from index `start`. */
function populate(fsm: CatalogFsm, start: number, keys: readonly string[]): number {
  let index = start;
  fsm.apply(entry(++index, registerCommand(serviceRegistration('n1', { Service: 'web' }))));
  sessionApply(fsm.store, ++index, { Op: 'create', Session: { ID: 's1', Node: 'n1', NodeChecks: [], TTL: '30s' } });
  for (const key of keys) kvsApply(fsm.store, ++index, { Op: 'set', DirEnt: { Key: key, Value: b64(key), Flags: 9 } });
  kvsApply(fsm.store, ++index, { Op: 'lock', DirEnt: { Key: 'locked', Value: b64('v'), Session: 's1' } });
  kvsApply(fsm.store, ++index, { Op: 'unlock', DirEnt: { Key: 'locked', Value: b64('v'), Session: 's1' } });
  kvsApply(fsm.store, ++index, { Op: 'lock', DirEnt: { Key: 'locked', Value: b64('v2'), Session: 's1' } });
  return index;
}

function contentsOf(store: StateStore): unknown {
  const capture = store.capture();
  const tables = Object.fromEntries([...capture.tables].map(([name, rows]) => [name, [...rows.entries()].sort()]));
  return { tables, indexes: [...capture.indexes.entries()].sort() };
}

/** Applies every part of a restore of `data` from index `start`; the responses, in order. */
function applyRestore(fsm: CatalogFsm, start: number, data: Uint8Array, term = 1, id = 'r1'): ApplyResponse[] {
  let index = start;
  return restoreParts(id, data).map((part) => fsm.apply(entry(++index, restoreCommand(part), term)));
}

/** A snapshot of a source whose indexes differ from the target's, large enough to need several parts. */
async function sourceSnapshot(): Promise<{ source: CatalogFsm; data: Uint8Array }> {
  const source = new CatalogFsm(new StateStore());
  const padding = 'x'.repeat(600 * 1024);
  populate(source, 40, ['a', 'b/c']);
  kvsApply(source.store, 60, { Op: 'set', DirEnt: { Key: 'big/1', Value: b64(`${padding}1`) } });
  kvsApply(source.store, 61, { Op: 'set', DirEnt: { Key: 'big/2', Value: b64(`${padding}2`) } });
  const { Data: data } = await snapshotBytes(source);
  assert.ok(data.byteLength > restorePartSizeBytesMax, 'the snapshot spans more than one part');
  return { source, data };
}

describe('user snapshot restore in the FSM', () => {
  it('leaves the live state untouched until the last part, then swaps it whole with the stored indexes', async () => {
    const { source, data } = await sourceSnapshot();
    const target = new CatalogFsm(new StateStore());
    const start = populate(target, 300, ['stale', 'a']);
    const live = contentsOf(target.store);
    const parts = restoreParts('r1', data);
    assert.ok(parts.length >= 2);
    let index = start;
    for (const part of parts.slice(0, -1)) {
      const response = target.apply(entry(++index, restoreCommand(part)));
      assert.equal(response.error, null);
      // What the old replay broke: mid-restore reads saw an empty catalog and missing keys.
      assert.deepEqual(contentsOf(target.store), live, 'a staged part changes nothing readers see');
      assert.equal(nodes(target.store).value.length, 1);
      assert.ok(kvsGet(target.store, 'a').value !== null);
    }
    // A watcher on the old state sees the complete new one when it fires, never a half.
    let seenByWatcher: unknown = null;
    target.store.watch(kvsGet(target.store, 'a').watch, () => {
      seenByWatcher = contentsOf(target.store);
    });
    const last = target.apply(entry(++index, restoreCommand(parts.at(-1) as (typeof parts)[number])));
    assert.equal(last.error, null);
    assert.equal((last.value as RestoreOutcome).NodesRestored, 1);
    assert.deepEqual(contentsOf(target.store), contentsOf(source.store), 'rows and index table as stored');
    assert.deepEqual(seenByWatcher, contentsOf(source.store));
    const expectedLock = kvsGet(source.store, 'locked').value;
    const restoredLock = kvsGet(target.store, 'locked').value;
    assert.ok(expectedLock !== null && restoredLock !== null);
    assert.deepEqual(
      [restoredLock.CreateIndex, restoredLock.ModifyIndex, restoredLock.LockIndex, restoredLock.Session],
      [expectedLock.CreateIndex, expectedLock.ModifyIndex, 2, 's1'],
    );
    assert.equal(kvsGet(target.store, 'stale').value, null);
    assert.equal(kvsList(target.store, '').index, kvsList(source.store, '').index, 'X-Consul-Index as stored');
    assert.equal(target.lastApplied.index, index, 'the FSM has applied the restore’s entry');
  });

  it('wakes a blocking query waiting on the old state at once, with the restored index', async () => {
    const { source, data } = await sourceSnapshot();
    const target = new CatalogFsm(new StateStore());
    const start = populate(target, 300, ['a']);
    const clock = new ManualClock();
    const minIndex = kvsList(target.store, '').index;
    const answer = blockingQuery({
      store: target.store,
      clock,
      minIndex,
      waitMs: 300_000,
      run: () => kvsList(target.store, ''),
    });
    applyRestore(target, start, data);
    const { index, value } = await answer;
    assert.equal(index, kvsList(source.store, '').index);
    assert.ok(index < minIndex, 'the index went back, as after a Consul restore');
    assert.deepEqual(
      value.map((row) => row.Key),
      kvsList(source.store, '').value.map((row) => row.Key),
    );
  });

  it('keeps indexes growing after restoring a snapshot whose indexes are above the Raft log’s', async () => {
    const source = new CatalogFsm(new StateStore());
    populate(source, 50_000, ['a']);
    const restoredMax = source.store.indexes.latest();
    const { Data: data } = await snapshotBytes(source);
    const target = new CatalogFsm(new StateStore());
    const start = populate(target, 0, ['a']);
    applyRestore(target, start, data);
    assert.equal(kvsGet(target.store, 'a').value?.ModifyIndex, kvsGet(source.store, 'a').value?.ModifyIndex);
    const clock = new ManualClock();
    const waiting = blockingQuery({
      store: target.store,
      clock,
      minIndex: kvsList(target.store, '').index,
      waitMs: 300_000,
      run: () => kvsList(target.store, ''),
    });
    const write = entry(start + 10, kvCommand({ Op: 'set', DirEnt: { Key: 'after', Value: b64('x') } }));
    assert.equal(target.apply(write).error, null);
    const written = kvsGet(target.store, 'after').value;
    assert.ok(written !== null && written.ModifyIndex > restoredMax, `${written?.ModifyIndex} > ${restoredMax}`);
    assert.equal((await waiting).index, written.ModifyIndex, 'a blocking query past the restored index sees it');
    // A replica restored from this FSM's Raft snapshot writes the next entry at the same store index.
    const raftSnapshot: Uint8Array[] = [];
    const captured = target.snapshot();
    await captured.persist({ write: async (chunk) => void raftSnapshot.push(chunk) });
    captured.release();
    const replica = new CatalogFsm(new StateStore());
    await replica.restore(chunksOf(raftSnapshot));
    const next = entry(start + 11, kvCommand({ Op: 'set', DirEnt: { Key: 'next', Value: b64('y') } }));
    target.apply(next);
    replica.apply(next);
    assert.deepEqual(contentsOf(replica.store), contentsOf(target.store));
    assert.equal(kvsGet(replica.store, 'next').value?.ModifyIndex, written.ModifyIndex + 1);
  });

  it('finishes an upload on a replica restored from a Raft snapshot taken between its parts', async () => {
    const { source, data } = await sourceSnapshot();
    const leader = new CatalogFsm(new StateStore());
    const start = populate(leader, 300, ['a']);
    const parts = restoreParts('r1', data);
    leader.apply(entry(start + 1, restoreCommand(parts[0] as (typeof parts)[number])));
    const raftSnapshot: Uint8Array[] = [];
    const captured = leader.snapshot();
    await captured.persist({ write: async (chunk) => void raftSnapshot.push(chunk) });
    captured.release();
    const replica = new CatalogFsm(new StateStore());
    await replica.restore(chunksOf(raftSnapshot));
    let index = start + 1;
    for (const part of parts.slice(1)) {
      index++;
      assert.equal(leader.apply(entry(index, restoreCommand(part))).error, null);
      assert.equal(replica.apply(entry(index, restoreCommand(part))).error, null);
    }
    assert.deepEqual(contentsOf(replica.store), contentsOf(source.store));
    assert.deepEqual(contentsOf(leader.store), contentsOf(source.store));
  });

  it('drops an upload that a later term interrupts, and one whose parts come out of sequence', async () => {
    const { data } = await sourceSnapshot();
    const target = new CatalogFsm(new StateStore());
    const start = populate(target, 300, ['a']);
    const live = contentsOf(target.store);
    const parts = restoreParts('r1', data);
    target.apply(entry(start + 1, restoreCommand(parts[0] as (typeof parts)[number]), 1));
    // The leader died; the next leader's first write has a later term.
    target.apply(entry(start + 2, registerCommand(serviceRegistration('n2', { Service: 'api' })), 2));
    const rest = parts.slice(1).map((part, offset) => target.apply(entry(start + 3 + offset, restoreCommand(part), 2)));
    assert.match(String(rest[0]?.error?.message), /out of sequence/);
    assert.equal(nodes(target.store).value.length, 2, 'the live state stays, with the later write');

    const fresh = new CatalogFsm(new StateStore());
    populate(fresh, 300, ['a']);
    const skipped = fresh.apply(entry(400, restoreCommand(parts[1] as (typeof parts)[number])));
    assert.match(String(skipped.error?.message), /out of sequence/);
    assert.deepEqual(contentsOf(fresh.store), live);
  });

  it('refuses bytes that do not match their digest or are not a snapshot, changing nothing', async () => {
    const target = new CatalogFsm(new StateStore());
    const start = populate(target, 300, ['a']);
    const live = contentsOf(target.store);
    const [part] = restoreParts('r1', new Uint8Array([1, 2, 3]));
    const garbage = target.apply(entry(start + 1, restoreCommand(part as NonNullable<typeof part>)));
    assert.match(String(garbage.error?.message), /invalid snapshot/);
    const forged = target.apply(
      entry(start + 2, restoreCommand({ ...(part as NonNullable<typeof part>), Data: new Uint8Array([9]) })),
    );
    assert.match(String(forged.error?.message), /SHA256/);
    assert.deepEqual(contentsOf(target.store), live);
  });

  it('replaces config entries, intentions, queries and the CA, and keeps the live CA and autopilot when it has none', async () => {
    const withCa = async (fsm: CatalogFsm, service: string, ca: boolean, start: number): Promise<number> => {
      let index = start;
      fsm.apply(
        entry(++index, configEntryCommand({ Op: 'upsert', Entry: { Kind: 'service-defaults', Name: service } })),
      );
      fsm.apply(
        entry(
          ++index,
          intentionCommand({
            Op: 'create',
            Intention: normalizeIntention({ ID: `id-${service}`, SourceName: 'web', DestinationName: service }),
          }),
        ),
      );
      const queryId = `${service === 'api' ? '1' : '3'}`.repeat(8) + '-1111-1111-1111-111111111111';
      const query = { ID: queryId, Name: service, Service: { Service: service } };
      fsm.apply(entry(++index, preparedQueryCommand({ Op: 'create', Query: query as never })));
      if (ca) {
        const request = await initialCaRequest(`${'1'.repeat(8)}-2222-3333-4444-555555555555`, CA_CONFIG_DEFAULTS, 1);
        fsm.apply(entry(++index, caRootsCommand(request)));
        autopilotSet(fsm.store, ++index, { Config: autopilotFields, Mode: 'set' });
      }
      return index;
    };
    const view = (store: StateStore) => ({
      entries: configEntryList(store, '').value.map((row) => [row.Kind, row.Name]),
      intentions: intentionList(store).value.map((row) => [row.SourceName, row.DestinationName]),
      queries: preparedQueryList(store).value.map((row) => row.Name),
      roots: caRoots(store).value.Roots.map((root) => root.ID),
    });
    const source = new CatalogFsm(new StateStore());
    await withCa(source, 'api', false, 0);
    const target = new CatalogFsm(new StateStore());
    const start = await withCa(target, 'stale', true, 100);
    const liveRoots = view(target.store).roots;
    const liveAutopilot = target.store.capture().tables.get('autopilot-config');
    assert.equal(liveRoots.length, 1);
    const { Data: data } = await snapshotBytes(source);
    const responses = applyRestore(target, start, data);
    assert.equal(responses.at(-1)?.error, null);
    assert.deepEqual(view(target.store), { ...view(source.store), roots: liveRoots });
    assert.deepEqual(target.store.capture().tables.get('autopilot-config'), liveAutopilot);
  });
});
