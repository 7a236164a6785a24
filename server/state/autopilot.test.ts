// Proves the autopilot configuration in the store against Consul's state/autopilot.go: the first write sets both
// indexes, a plain set keeps CreateIndex, "absent" writes only the first time (the leader's initial write), a CAS
// applies only at the row's ModifyIndex (never on a missing row), a bad field changes nothing, and a write wakes
// a watcher of the read.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autopilotConfig, autopilotSet } from './autopilot-ops.js';
import { InvalidWriteError } from './errors.js';
import { StateStore } from './store.js';
import type { AutopilotConfigFields } from './tables/autopilot.js';

const defaults: AutopilotConfigFields = {
  CleanupDeadServers: true,
  LastContactThresholdMs: 200,
  MaxTrailingLogs: 250,
  MinQuorum: 0,
  ServerStabilizationTimeMs: 10_000,
  RedundancyZoneTag: '',
  DisableUpgradeMigration: false,
  UpgradeVersionTag: '',
};

const store = () => new StateStore({ nowMs: () => 0 });

describe('autopilot configuration', () => {
  it('reads null before the first write, then the row with its indexes', () => {
    const state = store();
    assert.equal(autopilotConfig(state).value, null);
    assert.equal(autopilotSet(state, 5, { Config: defaults, Mode: 'set' }), true);
    assert.deepEqual(autopilotConfig(state).value, { ...defaults, CreateIndex: 5, ModifyIndex: 5 });
    assert.equal(autopilotConfig(state).index, 5);
    assert.equal(autopilotSet(state, 6, { Config: { ...defaults, MaxTrailingLogs: 10 }, Mode: 'set' }), true);
    assert.deepEqual(autopilotConfig(state).value, {
      ...defaults,
      MaxTrailingLogs: 10,
      CreateIndex: 5,
      ModifyIndex: 6,
    });
  });

  it('writes "absent" only when there is no row yet', () => {
    const state = store();
    assert.equal(autopilotSet(state, 3, { Config: defaults, Mode: 'absent' }), true);
    assert.equal(autopilotSet(state, 4, { Config: { ...defaults, MinQuorum: 3 }, Mode: 'absent' }), false);
    assert.equal(autopilotConfig(state).value?.MinQuorum, 0);
  });

  it('applies a CAS only at the current ModifyIndex, and never on a missing row', () => {
    const state = store();
    assert.equal(autopilotSet(state, 2, { Config: defaults, Mode: 'cas', CasIndex: 0 }), false);
    assert.equal(autopilotConfig(state).value, null);
    autopilotSet(state, 3, { Config: defaults, Mode: 'set' });
    assert.equal(autopilotSet(state, 4, { Config: { ...defaults, MinQuorum: 3 }, Mode: 'cas', CasIndex: 2 }), false);
    assert.equal(autopilotSet(state, 5, { Config: { ...defaults, MinQuorum: 3 }, Mode: 'cas', CasIndex: 3 }), true);
    assert.equal(autopilotConfig(state).value?.MinQuorum, 3);
    assert.equal(autopilotConfig(state).value?.ModifyIndex, 5);
  });

  it('refuses a bad field and keeps the row', () => {
    const state = store();
    autopilotSet(state, 3, { Config: defaults, Mode: 'set' });
    assert.throws(
      () => autopilotSet(state, 4, { Config: { ...defaults, MaxTrailingLogs: -1 }, Mode: 'set' }),
      InvalidWriteError,
    );
    assert.throws(
      () => autopilotSet(state, 4, { Config: { ...defaults, CleanupDeadServers: 'yes' as never }, Mode: 'set' }),
      InvalidWriteError,
    );
    assert.deepEqual(autopilotConfig(state).value, { ...defaults, CreateIndex: 3, ModifyIndex: 3 });
  });

  it('wakes a watcher of the read on a write', () => {
    const state = store();
    const woken: string[] = [];
    state.watch(autopilotConfig(state).watch, (reason) => woken.push(reason));
    autopilotSet(state, 7, { Config: defaults, Mode: 'set' });
    assert.equal(woken.length, 1);
  });
});
