// Proves that a snapshot restore brings back the snapshot's config entries (intentions included, L7 ones after
// the service-defaults they need) and CA, and drops live entries the snapshot lacks: the plan is applied phase by
// phase to a store that already holds other Connect data, then compared by content. A snapshot without a CA leaves
// the live CA in place.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CA_CONFIG_DEFAULTS, normalizeIntention } from '../connect/index.js';
import { initialCaRequest } from './endpoints/connect-ca-provider.js';
import {
  applyCommand,
  CatalogFsm,
  type Command,
  caRootsCommand,
  configEntryCommand,
  intentionCommand,
} from './fsm/index.js';
import { applyRestorePlan, restoreCommands, snapshotBytes } from './snapshot-restore.js';
import { caRoots, configEntryList, intentionList } from './state/connect-reads.js';
import { StateStore } from './state/store.js';

async function populate(store: StateStore, service: string, withCa: boolean): Promise<number> {
  let index = 0;
  const apply = (command: Command) => {
    const value = applyCommand(store, ++index, command);
    assert.notEqual(value, false);
  };
  apply(configEntryCommand({ Op: 'upsert', Entry: { Kind: 'service-defaults', Name: service, Protocol: 'http' } }));
  apply(
    intentionCommand({
      Op: 'create',
      Intention: normalizeIntention({
        ID: `id-${service}`,
        SourceName: 'web',
        DestinationName: service,
        Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }],
      }),
    }),
  );
  if (withCa)
    apply(
      caRootsCommand(await initialCaRequest(`${'1'.repeat(8)}-2222-3333-4444-555555555555`, CA_CONFIG_DEFAULTS, 1)),
    );
  return index;
}

const view = (store: StateStore) => ({
  entries: configEntryList(store, '').value.map((entry) => [entry.Kind, entry.Name]),
  intentions: intentionList(store).value.map((item) => [item.SourceName, item.DestinationName, item.ID]),
  roots: caRoots(store).value.Roots.map((root) => root.ID),
});

async function restore(source: CatalogFsm, target: StateStore, startIndex: number): Promise<void> {
  const { Data: data } = await snapshotBytes(source);
  let index = startIndex + 100;
  const plan = await restoreCommands(target, data);
  await applyRestorePlan(plan, async (command) => {
    index++;
    applyCommand(target, index, command);
    return { index };
  });
}

describe('snapshot restore of Connect data', () => {
  it('replaces the live config entries, intentions and CA with the snapshot’s', async () => {
    const source = new CatalogFsm(new StateStore());
    await populate(source.store, 'api', true);
    const target = new StateStore();
    const index = await populate(target, 'stale', true);
    await restore(source, target, index);
    assert.deepEqual(view(target), view(source.store));
  });

  it('keeps the live CA when the snapshot has none', async () => {
    const source = new CatalogFsm(new StateStore());
    await populate(source.store, 'api', false);
    const target = new StateStore();
    const index = await populate(target, 'stale', true);
    const liveRoots = view(target).roots;
    await restore(source, target, index);
    assert.deepEqual(view(target).roots, liveRoots);
    assert.deepEqual(view(target).entries, view(source.store).entries);
  });
});
