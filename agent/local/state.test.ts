// Proves LocalState's sync bookkeeping on a ManualClock: every change marks an entry out of sync and notifies,
// marks made for an older version are ignored, deleted entries are forgotten only once synced, checks follow
// their service's name and tags, and an output-only change waits for check_update_interval.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { localServiceRow } from '../testing/local-fixtures.js';
import { LocalState } from './state.js';
import type { LocalCheckRow } from './types.js';

const service = localServiceRow;

const check = (fields: Partial<LocalCheckRow> = {}): LocalCheckRow => ({
  Node: 'n1',
  CheckID: 'c',
  Name: 'c',
  Status: 'critical',
  Notes: '',
  Output: '',
  ServiceID: 'web',
  ServiceName: '',
  ServiceTags: [],
  Type: 'ttl',
  Interval: '',
  Timeout: '',
  ExposedPort: 0,
  Definition: {},
  ...fields,
});

function setup(checkUpdateIntervalMs = 60_000) {
  const clock = new ManualClock();
  const state = new LocalState(
    { clock },
    {
      node: { ID: 'i', Node: 'n1', Address: 'a', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
      checkUpdateIntervalMs,
    },
  );
  const changes: string[] = [];
  state.onChange((change) => changes.push(change.kind === 'node' ? 'node' : `${change.kind}:${change.id}`));
  return { clock, state, changes };
}

describe('LocalState', () => {
  it('marks synced only at the version that was synced', () => {
    const { state } = setup();
    state.addService(service(), '', 'api');
    const version = state.service('web')!.version;
    state.addService(service({ Port: 81 }), '', 'api');
    state.markServiceSynced('web', version);
    assert.equal(state.service('web')?.inSync, false, 'a newer change is still to sync');
    state.markServiceSynced('web', state.service('web')!.version);
    assert.equal(state.service('web')?.inSync, true);
  });

  it('keeps deleted entries for anti-entropy until synced', () => {
    const { state, changes } = setup();
    state.addService(service(), '', 'api');
    assert.equal(state.removeService('web'), true);
    assert.equal(state.removeService('web'), false);
    assert.equal(state.service('web'), undefined);
    const [entry] = state.serviceEntriesForSync();
    assert.equal(entry?.deleted, true);
    state.markServiceSynced('web', entry!.version);
    assert.deepEqual(state.serviceEntriesForSync(), []);
    assert.deepEqual(changes, ['service:web', 'service:web']);
  });

  it("fills a check's service name and tags, and follows the service's changes", () => {
    const { state } = setup();
    state.addService(service({ Tags: ['v1'] }), '', 'api');
    state.addCheck(check(), null, '', 'api');
    assert.deepEqual([state.check('c')?.row.ServiceName, state.check('c')?.row.ServiceTags], ['web', ['v1']]);
    state.addService(service({ Tags: ['v2'] }), '', 'api');
    assert.deepEqual(state.check('c')?.row.ServiceTags, ['v2']);
  });

  it('syncs a status change at once and defers an output-only change', () => {
    const { clock, state, changes } = setup();
    state.addCheck(check({ ServiceID: '' }), null, '', 'api');
    state.markCheckSynced('c', state.check('c')!.version);
    changes.length = 0;
    state.updateCheck('c', 'passing', 'one');
    assert.deepEqual([state.check('c')?.inSync, changes], [false, ['check:c']]);
    state.markCheckSynced('c', state.check('c')!.version);
    changes.length = 0;
    state.updateCheck('c', 'passing', 'two');
    assert.deepEqual(
      [state.check('c')?.inSync, state.check('c')?.deferOutput, state.check('c')?.row.Output, changes],
      [true, true, 'two', []],
    );
    clock.advance(60_000);
    assert.deepEqual([state.check('c')?.inSync, state.check('c')?.deferOutput, changes], [false, false, ['check:c']]);
  });

  it('syncs output at once when check_update_interval is 0', () => {
    const { state } = setup(0);
    state.addCheck(check({ ServiceID: '' }), null, '', 'api');
    state.markCheckSynced('c', state.check('c')!.version);
    state.updateCheck('c', 'critical', 'new output');
    assert.equal(state.check('c')?.inSync, false);
  });

  it('answers false for an unknown check and marks the node out of sync on a change', () => {
    const { state } = setup();
    assert.equal(state.updateCheck('nope', 'passing', ''), false);
    const node = state.node();
    state.markNodeSynced(node);
    assert.equal(state.nodeInSync(), true);
    state.setNode({ ...node, Meta: { rack: 'r2' } });
    assert.equal(state.nodeInSync(), false);
    state.markNodeSynced(node);
    assert.equal(state.nodeInSync(), false, 'a mark for the old node entry does not count');
  });
});
