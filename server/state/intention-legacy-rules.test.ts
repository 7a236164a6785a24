// Proves where a legacy intention may be edited, as Consul ≥ 1.9 stores intentions (state/intention.go,
// intention_endpoint.go, config_entry_intentions.go): the ID-based create/update/delete refuse a destination whose
// service-intentions entry was written as a config entry (`config write`, or the `exact` endpoint, which both drop
// legacy IDs), an update cannot move an intention to another destination, a config write replaces the legacy
// intentions of its destination and keeps no legacy fields, and legacy Meta is refused rather than lost. Each
// refusal leaves the store unchanged.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Intention, normalizeIntention } from '../../connect/index.js';
import { configEntryApplyTxn } from './config-entries.js';
import { type IntentionMutation, intentionMutateTxn } from './connect-ops.js';
import { configEntryGet, intentionList } from './connect-reads.js';
import { StateStore } from './store.js';

const id1 = '11111111-0000-4000-8000-000000000001';
const id2 = '11111111-0000-4000-8000-000000000002';
const now = '2026-12-01T00:00:00Z';

const legacy = (source: string, destination: string, id: string, meta: Record<string, string> = {}): Intention =>
  normalizeIntention({
    ID: id,
    SourceName: source,
    DestinationName: destination,
    Action: 'allow',
    Meta: meta,
    CreatedAt: now,
    UpdatedAt: now,
  });

class Harness {
  readonly store = new StateStore();
  private index = 0;
  mutate(mutation: IntentionMutation): void {
    this.store.write(++this.index, (txn) => intentionMutateTxn(txn, mutation));
  }
  configWrite(entry: Record<string, unknown>): void {
    this.store.write(++this.index, (txn) => configEntryApplyTxn(txn, { Op: 'upsert', Entry: entry }));
  }
  /** Runs `write` expecting a refusal with `message` and `name`, and checks that nothing changed. */
  refuses(write: () => void, name: string, message: string): void {
    const before = JSON.stringify(intentionList(this.store).value);
    assert.throws(write, { name, message });
    assert.equal(JSON.stringify(intentionList(this.store).value), before);
  }
  pairs(): string[] {
    return intentionList(this.store).value.map((i) => `${i.SourceName}->${i.DestinationName} ${i.ID || '(no ID)'}`);
  }
}

const editedByConfigEntry = (destination: string) =>
  `cannot use legacy intention API to edit intentions with a destination of "${destination}" after editing them via a service-intentions config entry`;

describe('legacy intention edits against config entries', () => {
  it('refuses ID-based create, update and delete on a destination written by config write', () => {
    const h = new Harness();
    h.mutate({ Op: 'create', Intention: legacy('api', 'web', id1) });
    h.configWrite({
      Kind: 'service-intentions',
      Name: 'web',
      Sources: [
        { Name: 'api', Action: 'deny' },
        { Name: 'ui', Action: 'allow' },
      ],
    });
    assert.deepEqual(
      h.pairs(),
      ['api->web (no ID)', 'ui->web (no ID)'],
      'the config entry replaced the legacy intention',
    );
    h.refuses(
      () => h.mutate({ Op: 'create', Intention: legacy('db', 'web', id2) }),
      'LegacyIntentionEditError',
      editedByConfigEntry('web'),
    );
    h.refuses(
      () => h.mutate({ Op: 'delete', ID: id1 }),
      'UnknownIntentionError',
      `Cannot delete non-existent intention: '${id1}'`,
    );
    h.mutate({ Op: 'create', Intention: legacy('db', 'other', id2) });
    assert.ok(h.pairs().includes(`db->other ${id2}`), 'other destinations still take legacy writes');
  });

  it('refuses ID-based edits of a legacy destination once the exact endpoint wrote to it', () => {
    const h = new Harness();
    h.mutate({ Op: 'create', Intention: legacy('api', 'web', id1) });
    h.mutate({ Op: 'create', Intention: legacy('ui', 'web', id2) });
    h.mutate({
      Op: 'upsert',
      Intention: normalizeIntention({ SourceName: 'api', DestinationName: 'web', Action: 'deny' }),
    });
    assert.deepEqual(h.pairs(), ['api->web (no ID)', 'ui->web (no ID)'], 'an exact write drops every legacy ID');
    h.refuses(
      () => h.mutate({ Op: 'create', Intention: legacy('db', 'web', '11111111-0000-4000-8000-000000000003') }),
      'LegacyIntentionEditError',
      editedByConfigEntry('web'),
    );
  });

  it('refuses an update that moves an intention to another destination', () => {
    const h = new Harness();
    h.mutate({ Op: 'create', Intention: legacy('api', 'web', id1) });
    h.refuses(
      () => h.mutate({ Op: 'update', Intention: legacy('api', 'db', id1) }),
      'LegacyIntentionEditError',
      'Cannot modify Destination partition/namespace/name for an intention once it exists.',
    );
    h.mutate({ Op: 'update', Intention: { ...legacy('ui', 'web', id1), Action: 'deny' } });
    assert.deepEqual(h.pairs(), [`ui->web ${id1}`], 'the source may still change');
  });

  it('drops legacy IDs and timestamps from a config write, and refuses legacy Meta there', () => {
    const h = new Harness();
    h.configWrite({
      Kind: 'service-intentions',
      Name: 'web',
      Sources: [{ Name: 'api', Action: 'allow', LegacyID: id1, LegacyCreateTime: now, LegacyUpdateTime: now }],
    });
    const stored = configEntryGet(h.store, 'service-intentions', 'web').value as unknown as {
      Sources: Record<string, unknown>[];
    };
    assert.deepEqual(
      Object.keys(stored.Sources[0] ?? {}).filter((key) => key.startsWith('Legacy')),
      [],
    );
    h.refuses(
      () =>
        h.configWrite({
          Kind: 'service-intentions',
          Name: 'web',
          Sources: [{ Name: 'api', Action: 'allow', LegacyMeta: { owner: 'ops' } }],
        }),
      'InvalidWriteError',
      'Sources[0].LegacyMeta must be omitted',
    );
  });

  it('refuses an exact write that would drop legacy Meta of another intention of the destination', () => {
    const h = new Harness();
    h.mutate({ Op: 'create', Intention: legacy('api', 'web', id1, { owner: 'ops' }) });
    h.refuses(
      () =>
        h.mutate({
          Op: 'upsert',
          Intention: normalizeIntention({ SourceName: 'ui', DestinationName: 'web', Action: 'allow' }),
        }),
      'InvalidWriteError',
      'Sources[0].LegacyMeta must be omitted',
    );
  });
});
