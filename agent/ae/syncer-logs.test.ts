// Proves the anti-entropy syncer logs each catalog write at INFO in Consul's words (agent/local/state.go):
// "Synced node info", "Synced service" / "Synced check" with the ID, "Deregistered check" / "Deregistered service".

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { SeededRand } from '../../lib/rand.js';
import { capturedLog } from '../../lib/testing/captured-log.js';
import { nodeServices } from '../../server/state/index.js';
import { LocalState } from '../local/state.js';
import type { LocalCheckRow } from '../local/types.js';
import { localServiceRow } from '../testing/local-fixtures.js';
import { StoreRpcClient } from '../testing/store-rpc.js';
import { until } from '../testing/wait.js';
import { AntiEntropySyncer } from './syncer.js';

const node = {
  ID: '11111111-2222-3333-4444-555555555555',
  Node: 'n1',
  Address: '127.0.0.20',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '127.0.0.20' },
  Meta: {},
};

const web = localServiceRow({ Port: 8080 });

const webCheck: LocalCheckRow = {
  Node: 'n1',
  CheckID: 'service:web',
  Name: "Service 'web' check",
  Status: 'critical',
  Notes: '',
  Output: '',
  ServiceID: 'web',
  ServiceName: 'web',
  ServiceTags: [],
  Type: 'ttl',
  Interval: '',
  Timeout: '',
  ExposedPort: 0,
  Definition: {},
};

describe('AntiEntropySyncer logs', () => {
  it("logs registrations and deregistrations at INFO in Consul's words", async () => {
    const { lines, log } = capturedLog('info');
    const clock = new ManualClock();
    const rpc = new StoreRpcClient();
    const state = new LocalState({ clock }, { node, checkUpdateIntervalMs: 300_000 });
    const syncer = new AntiEntropySyncer(
      {
        clock,
        rand: new SeededRand(1),
        log,
        state,
        rpc: () => rpc,
        clusterSize: () => 1,
      },
      { datacenter: 'dc1', isServer: false, fullSyncIntervalMs: 60_000, agentToken: '' },
    );
    const info = () =>
      lines.filter((line) => line['level'] === 30).map((line) => [line['msg'], line['service'] ?? line['check']]);
    await syncer.start();
    try {
      await until(() => syncer.completedSyncs >= 1, 'the first sync');
      state.addService(web, '', 'api');
      state.addCheck(webCheck, null, '', 'api');
      clock.advance(0);
      await until(() => info().length >= 3, 'the registrations logged');
      state.removeCheck('service:web');
      state.removeService('web');
      clock.advance(0);
      await until(() => (nodeServices(rpc.store, 'n1').value?.Services.length ?? 1) === 0, 'web deregistered');
      await until(() => info().length >= 5, 'the deregistrations logged');
      assert.deepEqual(info(), [
        ['Synced node info', undefined],
        ['Synced service', 'web'],
        ['Synced check', 'service:web'],
        ['Deregistered check', 'service:web'],
        ['Deregistered service', 'web'],
      ]);
    } finally {
      await syncer.stop();
    }
  });
});
