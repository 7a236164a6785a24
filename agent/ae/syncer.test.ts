// Proves the anti-entropy loop against a real in-memory catalog (StoreRpcClient) on a ManualClock: the first
// full sync registers the node and everything local, a local change is pushed at once, drift in the catalog is
// repaired by the next full sync, an unreachable server is retried with backoff, and an output-only change waits
// for check_update_interval while a status change does not.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { nodeChecks, nodeServices } from '../../server/state/index.js';
import { decodeServiceBody } from '../local/decode.js';
import { Registrar } from '../local/registrar.js';
import { LocalState } from '../local/state.js';
import type { LocalCheckRow, LocalServiceRow } from '../local/types.js';
import { StoreRpcClient } from '../testing/store-rpc.js';
import { settle, until } from '../testing/wait.js';
import { AntiEntropySyncer } from './syncer.js';

const node = {
  ID: '11111111-2222-3333-4444-555555555555',
  Node: 'n1',
  Address: '127.0.0.20',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '127.0.0.20' },
  Meta: {},
};

const web: LocalServiceRow = {
  ID: 'web',
  Service: 'web',
  Tags: ['v1'],
  Address: '',
  TaggedAddresses: {},
  Meta: {},
  Port: 8080,
  Weights: { Passing: 1, Warning: 1 },
  EnableTagOverride: false,
  Kind: '',
  Proxy: null,
  Connect: null,
  SocketPath: '',
};

const webCheck: LocalCheckRow = {
  Node: 'n1',
  CheckID: 'service:web',
  Name: "Service 'web' check",
  Status: 'critical',
  Notes: '',
  Output: '',
  ServiceID: 'web',
  ServiceName: 'web',
  ServiceTags: ['v1'],
  Type: 'ttl',
  Interval: '',
  Timeout: '',
  ExposedPort: 0,
  Definition: {},
};

function setup(checkUpdateIntervalMs = 300_000) {
  const clock = new ManualClock();
  const rpc = new StoreRpcClient();
  const state = new LocalState({ clock }, { node, checkUpdateIntervalMs });
  const syncer = new AntiEntropySyncer(
    { clock, rand: new SeededRand(1), log: silentLogger(), state, rpc: () => rpc, clusterSize: () => 1 },
    { datacenter: 'dc1', isServer: false, fullSyncIntervalMs: 60_000, agentToken: '' },
  );
  const catalogServices = () => nodeServices(rpc.store, 'n1').value?.Services.map((service) => service.ID) ?? [];
  const catalogCheck = (id: string) => nodeChecks(rpc.store, 'n1').value.find((check) => check.CheckID === id);
  return { clock, rpc, state, syncer, catalogServices, catalogCheck };
}

describe('AntiEntropySyncer', () => {
  it('registers the node, services and checks on the first full sync', async () => {
    const { rpc, state, syncer, catalogServices, catalogCheck } = setup();
    state.addService(web, '', 'api');
    state.addCheck(webCheck, null, '', 'api');
    await syncer.start();
    await until(() => syncer.completedSyncs >= 1, 'the first sync');
    assert.deepEqual(catalogServices(), ['web']);
    assert.equal(catalogCheck('service:web')?.Status, 'critical');
    assert.equal(nodeServices(rpc.store, 'n1').value?.Node.Address, '127.0.0.20');
    assert.ok(state.service('web')?.inSync);
    await syncer.stop();
  });

  it('pushes a local change right away (partial sync) and removes deleted entries', async () => {
    const { clock, state, syncer, catalogServices, catalogCheck } = setup();
    await syncer.start();
    await until(() => syncer.completedSyncs >= 1, 'the first sync');
    state.addService(web, '', 'api');
    state.addCheck(webCheck, null, '', 'api');
    clock.advance(0);
    await until(() => catalogCheck('service:web') !== undefined, 'the check in the catalog');
    state.updateCheck('service:web', 'passing', 'ok');
    clock.advance(0);
    await until(() => catalogCheck('service:web')?.Status === 'passing', 'the status change');
    state.removeCheck('service:web');
    state.removeService('web');
    clock.advance(0);
    await until(() => catalogServices().length === 0, 'the service removed');
    assert.equal(state.serviceEntriesForSync().length, 0, 'deleted entries are forgotten once synced');
    await syncer.stop();
  });

  it('repairs drift at the next full sync: re-adds what the catalog lost, removes what it should not have', async () => {
    const { clock, rpc, state, syncer, catalogServices } = setup();
    state.addService(web, '', 'api');
    await syncer.start();
    await until(() => catalogServices().includes('web'), 'web registered');
    rpc.remove({ Node: 'n1', ServiceID: 'web' });
    rpc.register({ Node: 'n1', Address: '127.0.0.20', Service: { Service: 'intruder', ID: 'intruder' } });
    assert.deepEqual(catalogServices(), ['intruder']);
    const before = syncer.completedSyncs;
    clock.advance(2 * 60_000); // past the interval plus its stagger
    await until(() => syncer.completedSyncs > before, 'the periodic full sync');
    assert.deepEqual(catalogServices(), ['web']);
    await syncer.stop();
  });

  it('retries with backoff while the servers are unreachable', async () => {
    const { clock, rpc, state, syncer, catalogServices } = setup();
    rpc.offline = true;
    state.addService(web, '', 'api');
    await syncer.start();
    await until(() => syncer.completedSyncs >= 1, 'the failed sync');
    assert.equal(state.service('web')?.inSync, false);
    rpc.offline = false;
    clock.advance(15_000); // the backoff ceiling
    await until(() => catalogServices().includes('web'), 'the retried sync');
    await syncer.stop();
  });

  it('defers an output-only change for check_update_interval; a status change goes at once', async () => {
    const { clock, rpc, state, syncer, catalogCheck } = setup(60_000);
    state.addService(web, '', 'api');
    state.addCheck({ ...webCheck, Status: 'passing' }, null, '', 'api');
    await syncer.start();
    await until(() => catalogCheck('service:web') !== undefined, 'the check synced');
    const writes = rpc.writes;
    state.updateCheck('service:web', 'passing', 'output 2');
    clock.advance(0);
    await settle();
    assert.equal(rpc.writes, writes, 'no write for an output-only change');
    clock.advance(60_000);
    await until(() => catalogCheck('service:web')?.Output === 'output 2', 'the deferred output');
    state.updateCheck('service:web', 'critical', 'down');
    clock.advance(0);
    await until(() => catalogCheck('service:web')?.Status === 'critical', 'the status change');
    await syncer.stop();
  });

  it('finds a rich registration (sidecar proxy, tagged addresses, meta, check definitions) in sync on the next full sync', async () => {
    const { clock, rpc, state, syncer } = setup();
    const registrar = new Registrar(
      state,
      null,
      { nodeName: 'n1', sidecarMinPort: 21000, sidecarMaxPort: 21255 },
      silentLogger(),
    );
    await registrar.registerService(
      decodeServiceBody(
        {
          Name: 'web',
          Port: 8080,
          Tags: ['a', 'b'],
          Meta: { version: '2' },
          TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 8080 } },
          Weights: { Passing: 5, Warning: 2 },
          Check: { HTTP: 'http://127.0.0.1:8080/health', Interval: '10s', Header: { 'X-A': ['1'] } },
          Connect: { SidecarService: { Proxy: { Upstreams: [{ DestinationName: 'db', LocalBindPort: 9191 }] } } },
        },
        { scriptChecksAllowed: false },
      ),
      { token: '', source: 'api' },
    );
    await syncer.start();
    await until(() => syncer.completedSyncs >= 1, 'the first sync');
    assert.ok(state.services().every((entry) => entry.inSync));
    const writes = rpc.writes;
    syncer.syncFull();
    await until(() => syncer.completedSyncs >= 2, 'the second full sync');
    assert.equal(rpc.writes, writes, 'nothing re-registered: the catalog rows compare equal');
    clock.advance(0);
    await syncer.stop();
  });
});
