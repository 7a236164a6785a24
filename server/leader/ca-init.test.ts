// Proves the leader's CA duties on a ManualClock: a store without a CA gets a cluster ID (a UUID; trust domain
// `<id>.consul`) and one active EC P-256 root through one command, a store with a CA is left alone, and roots
// rotated out more than 2 × LeafCertTTL ago are pruned on the prune interval while younger ones stay, and
// config_entries.bootstrap entries are written only where none exists.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CA_CONFIG_DEFAULTS } from '../../connect/index.js';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { caConfigMap, rotationRequest } from '../endpoints/connect-ca-provider.js';
import { applyCommand, type Command, caRootsCommand, configEntryCommand } from '../fsm/index.js';
import { caConfig, caRoots, configEntryGet } from '../state/connect-reads.js';
import { tableIndexKey } from '../state/indexes.js';
import { StateStore } from '../state/store.js';
import { caRootsSchema } from '../state/tables/connect.js';
import { CaInitializer } from './ca-init.js';

function harness(configEntries: readonly Record<string, unknown>[] = []) {
  const clock = new ManualClock();
  const store = new StateStore();
  const applied: Command[] = [];
  let index = 0;
  const initializer = new CaInitializer({
    clock,
    log: silentLogger(),
    store,
    apply: async (command) => {
      applied.push(command);
      return { value: applyCommand(store, ++index, command) };
    },
    pruneIntervalMs: 3_600_000,
    configEntries,
  });
  return { clock, store, applied, initializer };
}

async function until(condition: () => boolean): Promise<void> {
  const startedMs = performance.now();
  while (!condition()) {
    if (performance.now() - startedMs > 20_000) assert.fail('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('CaInitializer', () => {
  it('initializes a CA once, with a UUID cluster ID and an EC P-256 root', async () => {
    const { store, applied, initializer } = harness();
    initializer.start();
    await until(() => caRoots(store).value.Roots.length === 1);
    const roots = caRoots(store).value;
    assert.match(roots.TrustDomain, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.consul$/);
    assert.deepEqual(
      [roots.Roots[0]?.PrivateKeyType, roots.Roots[0]?.PrivateKeyBits, roots.Roots[0]?.Active],
      ['ec', 256, true],
    );
    assert.equal(caConfig(store).value?.Provider, 'consul');
    initializer.stop();
    initializer.start();
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(applied.length, 1, 'a store with a CA is left alone');
    initializer.stop();
  });

  it('prunes roots rotated out more than 2 × LeafCertTTL ago', async () => {
    const { clock, store, initializer } = harness();
    initializer.start();
    await until(() => caRoots(store).value.Roots.length === 1);
    const config = caConfig(store).value;
    assert.ok(config);
    const rotated = await rotationRequest(
      {
        config,
        roots: store.table(caRootsSchema).all(),
        rootsIndex: store.indexes.get(tableIndexKey(caRootsSchema.name)),
      },
      { ...CA_CONFIG_DEFAULTS, privateKeyBits: 384 },
      caConfigMap({ ...CA_CONFIG_DEFAULTS, privateKeyBits: 384 }),
      clock.wallMs(),
    );
    applyCommand(store, 100, caRootsCommand(rotated));
    assert.equal(caRoots(store).value.Roots.length, 2);
    clock.advance(3_600_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(caRoots(store).value.Roots.length, 2, 'still inside 2 × LeafCertTTL');
    clock.advance(2 * CA_CONFIG_DEFAULTS.leafCertTtlMs);
    await until(() => caRoots(store).value.Roots.length === 1);
    assert.equal(caRoots(store).value.Roots[0]?.PrivateKeyBits, 384, 'the active root stays');
    initializer.stop();
  });

  it('writes config_entries.bootstrap entries that do not exist, and leaves existing ones alone', async () => {
    const { store, initializer } = harness([
      { Kind: 'service-defaults', Name: 'web', Protocol: 'http' },
      { Kind: 'service-defaults', Name: 'api', Protocol: 'grpc' },
    ]);
    applyCommand(
      store,
      1,
      configEntryCommand({ Op: 'upsert', Entry: { Kind: 'service-defaults', Name: 'api', Protocol: 'tcp' } }),
    );
    initializer.start();
    await until(() => configEntryGet(store, 'service-defaults', 'web').value !== null);
    assert.equal(configEntryGet(store, 'service-defaults', 'web').value?.['Protocol'], 'http');
    assert.equal(configEntryGet(store, 'service-defaults', 'api').value?.['Protocol'], 'tcp');
    initializer.stop();
  });
});
