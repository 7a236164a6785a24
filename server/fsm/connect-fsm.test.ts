// Proves the Connect commands through the FSM and the state store: config entries apply with CAS (set and delete),
// legacy intention mutations land in service-intentions entries with Consul's refusals (duplicate pair, unknown
// ID), the CA's roots replace as a set guarded by the roots index, a snapshot (format 3) carries the three Connect
// tables into a fresh store unchanged while a format 2 file still restores (Connect tables empty), and malformed
// payloads are typed refusals, never exceptions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CA_CONFIG_DEFAULTS, normalizeIntention } from '../../connect/index.js';
import type { CommittedEntry } from '../../raft/fsm.js';
import { initialCaRequest } from '../endpoints/connect-ca-provider.js';
import { caRoots, configEntryGet, intentionList } from '../state/connect-reads.js';
import { StateStore } from '../state/store.js';
import {
  CatalogFsm,
  type Command,
  caRootsCommand,
  configEntryCommand,
  decodeCommand,
  encodeCommand,
  intentionCommand,
  snapshotFormatVersion,
} from './index.js';

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

const intention = (source: string, destination: string, id: string, action: 'allow' | 'deny' = 'allow') =>
  normalizeIntention({ ID: id, SourceName: source, DestinationName: destination, Action: action });

async function snapshotParts(fsm: CatalogFsm): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  const snapshot = fsm.snapshot();
  await snapshot.persist({ write: async (chunk) => void parts.push(new Uint8Array(chunk)) });
  snapshot.release();
  return parts;
}

describe('Connect commands', () => {
  it('round-trip the codec', () => {
    const commands: Command[] = [
      configEntryCommand({ Op: 'upsert', Entry: { Kind: 'service-defaults', Name: 'web', Protocol: 'http' } }),
      intentionCommand({ Op: 'delete', ID: 'x' }),
      caRootsCommand({ Roots: [], CasIndex: 0 }),
    ];
    for (const command of commands) assert.deepEqual(decodeCommand(encodeCommand(command)), command);
  });

  it('apply config entries with CAS and refuse bad ones as typed errors', () => {
    const fsm = new CatalogFsm(new StateStore());
    const web = { Kind: 'service-defaults', Name: 'web', Protocol: 'HTTP' };
    assert.equal(fsm.apply(entry(1, configEntryCommand({ Op: 'upsert', Entry: web, CasIndex: 0 }))).value, true);
    assert.equal(fsm.apply(entry(2, configEntryCommand({ Op: 'upsert', Entry: web, CasIndex: 0 }))).value, false);
    assert.equal(fsm.apply(entry(3, configEntryCommand({ Op: 'upsert', Entry: web, CasIndex: 1 }))).value, true);
    const stored = configEntryGet(fsm.store, 'service-defaults', 'web');
    assert.deepEqual(
      [stored.value?.['Protocol'], stored.value?.CreateIndex, stored.value?.ModifyIndex, stored.index],
      ['http', 1, 3, 3],
    );
    const refused = fsm.apply(entry(4, configEntryCommand({ Op: 'upsert', Entry: { Kind: 'bogus', Name: 'x' } })));
    assert.equal(refused.error?.code, 'ERR_INVALID_WRITE');
    const planned = fsm.apply(entry(5, configEntryCommand({ Op: 'upsert', Entry: { Kind: 'mesh', Name: 'mesh' } })));
    assert.equal(planned.error?.code, 'ERR_NOT_IMPLEMENTED');
    const del = configEntryCommand({ Op: 'delete', Kind: 'service-defaults', Name: 'web', CasIndex: 1 });
    assert.equal(fsm.apply(entry(6, del)).value, false);
    assert.equal(
      fsm.apply(entry(7, configEntryCommand({ Op: 'delete', Kind: 'service-defaults', Name: 'web' }))).value,
      true,
    );
    assert.equal(configEntryGet(fsm.store, 'service-defaults', 'web').value, null);
  });

  it('mutate intentions inside service-intentions entries with Consul’s refusals', () => {
    const fsm = new CatalogFsm(new StateStore());
    let index = 0;
    const apply = (command: Command) => fsm.apply(entry(++index, command));
    const refusal = (command: Command) => {
      const { error } = apply(command);
      return [error?.code, error?.message];
    };
    assert.equal(apply(intentionCommand({ Op: 'create', Intention: intention('web', 'db', 'id-1') })).error, null);
    assert.equal(apply(intentionCommand({ Op: 'create', Intention: intention('api', 'db', 'id-3') })).error, null);
    // Consul ≥ 1.9: the appended source repeats one of the entry's (all three at precedence 9, in entry order).
    assert.deepEqual(refusal(intentionCommand({ Op: 'create', Intention: intention('web', 'db', 'id-2') })), [
      'ERR_INTENTION_CONFLICT',
      'Sources[2] defines "web" more than once',
    ]);
    assert.deepEqual(
      refusal(intentionCommand({ Op: 'update', Intention: intention('web', 'db', 'id-3') })),
      ['ERR_INTENTION_CONFLICT', 'Sources[1] defines "web" more than once'],
      'an update onto a pair another intention holds',
    );
    assert.equal(apply(intentionCommand({ Op: 'delete', ID: 'id-3' })).error, null);
    const unknown = apply(intentionCommand({ Op: 'update', Intention: intention('a', 'b', 'id-9') }));
    assert.equal(unknown.error?.message, "Cannot modify non-existent intention: 'id-9'");
    assert.deepEqual(
      refusal(intentionCommand({ Op: 'update', Intention: intention('web', 'api', 'id-1') })),
      [
        'ERR_INTENTION_LEGACY_EDIT',
        'Cannot modify Destination partition/namespace/name for an intention once it exists.',
      ],
      'an intention lives in its destination’s entry',
    );
    // The exact endpoint writes the entry as a config entry: legacy IDs go, so ID-based deletes no longer find it.
    assert.equal(apply(intentionCommand({ Op: 'upsert', Intention: intention('*', 'db', '', 'deny') })).error, null);
    assert.deepEqual(
      intentionList(fsm.store).value.map((item) => [item.SourceName, item.DestinationName, item.Precedence, item.ID]),
      [
        ['web', 'db', 9, ''],
        ['*', 'db', 8, ''],
      ],
    );
    assert.equal(
      apply(intentionCommand({ Op: 'delete', ID: 'id-1' })).error?.message,
      "Cannot delete non-existent intention: 'id-1'",
    );
    assert.equal(apply(intentionCommand({ Op: 'delete-exact', Source: '*', Destination: 'db' })).error, null);
    assert.equal(apply(intentionCommand({ Op: 'delete-exact', Source: 'web', Destination: 'db' })).error, null);
    assert.equal(configEntryGet(fsm.store, 'service-intentions', 'db').value, null, 'an emptied entry is deleted');
    assert.equal(intentionList(fsm.store).value.length, 0);
  });

  it('replace CA roots as a set under a CAS on the roots index, and carry everything through a snapshot', async () => {
    const fsm = new CatalogFsm(new StateStore());
    const request = await initialCaRequest(
      '11111111-2222-3333-4444-555555555555',
      CA_CONFIG_DEFAULTS,
      1_700_000_000_000,
    );
    assert.equal(fsm.apply(entry(1, caRootsCommand(request))).value, true);
    assert.equal(fsm.apply(entry(2, caRootsCommand(request))).value, false, 'CasIndex 0 no longer matches');
    const roots = caRoots(fsm.store);
    assert.equal(roots.index, 1);
    assert.equal(roots.value.TrustDomain, '11111111-2222-3333-4444-555555555555.consul');
    assert.equal(roots.value.Roots.length, 1);
    assert.ok(!('SigningKey' in (roots.value.Roots[0] as object)), 'reads never show the signing key');
    fsm.apply(entry(3, intentionCommand({ Op: 'create', Intention: intention('web', 'db', 'id-1') })));

    const expected = contentsOf(fsm.store);
    const parts = await snapshotParts(fsm);
    assert.equal(Buffer.from(parts[0] as Uint8Array).readUInt8(7), snapshotFormatVersion);
    assert.ok(snapshotFormatVersion >= 3, 'format 3 added the Connect tables');
    const restored = new CatalogFsm(new StateStore());
    await restored.restore(chunksOf(parts));
    assert.deepEqual(contentsOf(restored.store), expected);
    assert.equal(caRoots(restored.store).value.ActiveRootID, roots.value.ActiveRootID);
  });

  it('still restores a format 2 snapshot, with the Connect tables empty', async () => {
    const parts = await snapshotParts(new CatalogFsm(new StateStore()));
    const whole = Buffer.concat(parts);
    whole.writeUInt8(2, 7);
    const restored = new CatalogFsm(new StateStore());
    await restored.restore(chunksOf([whole]));
    assert.equal(caRoots(restored.store).value.Roots.length, 0);
  });
});
