// Proves each read returns Consul's answer and Consul's X-Consul-Index choice (table index for lists, the
// per-service index for catalog/health service queries), and that writes fire only the watch keys of the
// rows they changed: a write to service db wakes no watcher of web, a node check wakes every service on the node.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkServiceNodes,
  checksInState,
  connectCheckServiceNodes,
  connectServiceNodes,
  coordinateBatchUpdate,
  deregister,
  ensureCheck,
  ensureRegistration,
  nodeChecks,
  nodeCoordinates,
  nodeDump,
  nodeInfo,
  nodeServices,
  nodes,
  type QueryResult,
  StateStore,
  serviceChecks,
  serviceNodes,
  services,
} from './index.js';
import { nodeRegistration, serviceRegistration } from './testing/fixtures.js';

function catalog(): StateStore {
  const store = new StateStore();
  ensureRegistration(
    store,
    1,
    serviceRegistration(
      'n1',
      { Service: 'web', Tags: ['v1', 'Primary'] },
      [{ Name: 'serfHealth', Status: 'passing' }],
      { NodeMeta: { rack: 'a' } },
    ),
  );
  ensureRegistration(
    store,
    2,
    serviceRegistration('n2', { Service: 'web', Tags: ['v2'] }, [{ Name: 'serfHealth', Status: 'passing' }]),
  );
  ensureRegistration(
    store,
    3,
    serviceRegistration('n2', { Service: 'db', Tags: ['v2'] }, [{ Name: 'db up', ServiceID: 'db', Status: 'warning' }]),
  );
  ensureRegistration(
    store,
    4,
    serviceRegistration(
      'n1',
      {
        ID: 'web-proxy',
        Service: 'web-sidecar-proxy',
        Kind: 'connect-proxy',
        Proxy: { DestinationServiceName: 'web', LocalServicePort: 8080 },
      },
      [],
      { NodeMeta: { rack: 'a' } },
    ),
  );
  ensureRegistration(store, 5, serviceRegistration('n3', { Service: 'api', Connect: { Native: true } }));
  return store;
}

/** Counts the wake-ups of a watch on a read's keys. */
function watchCount(store: StateStore, result: QueryResult<unknown>): () => number {
  let fired = 0;
  store.watch(result.watch, () => fired++);
  return () => fired;
}

describe('catalog reads', () => {
  it('lists nodes by name with the nodes table index, filtered by node meta', () => {
    const store = catalog();
    const result = nodes(store);
    assert.deepEqual(
      result.value.map((node) => node.Node),
      ['n1', 'n2', 'n3'],
    );
    assert.equal(result.index, 5);
    assert.deepEqual(
      nodes(store, { nodeMeta: { rack: 'a' } }).value.map((node) => node.Node),
      ['n1'],
    );
  });

  it('lists services with the union of their tags', () => {
    const result = services(catalog());
    assert.deepEqual(result.value, {
      web: ['Primary', 'v1', 'v2'],
      db: ['v2'],
      'web-sidecar-proxy': [],
      api: [],
    });
    assert.equal(result.index, 5);
  });

  it('finds instances by name and all of several tags, case-insensitively', () => {
    const store = catalog();
    assert.deepEqual(
      serviceNodes(store, 'web').value.map((entry) => entry.Node),
      ['n1', 'n2'],
    );
    assert.deepEqual(
      serviceNodes(store, 'WEB', { tags: ['primary', 'V1'] }).value.map((entry) => entry.Node),
      ['n1'],
    );
    assert.deepEqual(serviceNodes(store, 'web', { tags: ['v1', 'v2'] }).value, []);
    assert.deepEqual(
      serviceNodes(store, 'web', { nodeMeta: { rack: 'a' } }).value.map((entry) => entry.Node),
      ['n1'],
    );
    const [first] = serviceNodes(store, 'web').value;
    assert.equal(first?.ServiceName, 'web');
    assert.equal(first?.Address, '10.0.0.2');
    assert.deepEqual(first?.NodeMeta, { rack: 'a' });
  });

  it('uses the per-service index: a write to db does not move web', () => {
    const store = catalog();
    assert.equal(serviceNodes(store, 'web').index, 2, 'the proxy registration left node n1 unchanged');
    ensureRegistration(store, 10, serviceRegistration('n2', { Service: 'db', Tags: ['v3'] }));
    assert.equal(serviceNodes(store, 'web').index, 2);
    assert.equal(serviceNodes(store, 'db').index, 10);
  });

  it('lists connect-capable instances: proxies by destination and native services', () => {
    const store = catalog();
    assert.deepEqual(
      connectServiceNodes(store, 'web').value.map((entry) => entry.ServiceID),
      ['web-proxy'],
    );
    assert.deepEqual(
      connectServiceNodes(store, 'api').value.map((entry) => entry.ServiceID),
      ['api'],
    );
    assert.deepEqual(connectServiceNodes(store, 'db').value, []);
    const [entry] = connectCheckServiceNodes(store, 'web').value;
    assert.equal(entry?.Service.Proxy?.DestinationServiceName, 'web');
  });

  it('returns a node with its services, or null', () => {
    const store = catalog();
    const result = nodeServices(store, 'n2');
    assert.deepEqual(
      result.value?.Services.map((service) => service.ID),
      ['db', 'web'],
    );
    assert.equal(result.index, 3, 'the per-node index: n2 last changed at 3');
    assert.equal(nodeServices(store, 'n1').index, 4);
    assert.equal(nodeServices(store, 'ghost').value, null);
    deregister(store, 8, { Node: 'n3' });
    assert.equal(nodeServices(store, 'n3').index, 8, 'a missing node reports the last node deletion');
    assert.equal(nodeServices(store, 'ghost').index, 8);
    assert.equal(nodeServices(store, 'n2').index, 3);
  });

  it('covers the nodes table in the index of services filtered by node meta', () => {
    const store = catalog();
    ensureRegistration(store, 9, nodeRegistration('n9'));
    assert.equal(services(store).index, 5);
    assert.equal(services(store, { nodeMeta: { rack: 'a' } }).index, 9);
  });
});

describe('node dumps', () => {
  it('lists every node with its services and checks', () => {
    const store = catalog();
    const dump = nodeDump(store);
    assert.deepEqual(
      dump.value.map((node) => [
        node.Node,
        node.Services.map((service) => service.ID),
        node.Checks.map((check) => check.CheckID),
      ]),
      [
        ['n1', ['web', 'web-proxy'], ['serfHealth']],
        ['n2', ['db', 'web'], ['db up', 'serfHealth']],
        ['n3', ['api'], []],
      ],
    );
    assert.equal(dump.index, 5);
    assert.equal(nodeInfo(store, 'N2').value[0]?.Address, '10.0.0.2');
    assert.deepEqual(nodeInfo(store, 'ghost').value, []);
  });
});

describe('health reads', () => {
  it('builds entries with node checks first, then the instance checks', () => {
    const store = catalog();
    ensureRegistration(store, 6, {
      Node: 'n2',
      SkipNodeUpdate: true,
      Check: { Name: 'web http', ServiceID: 'web', Status: 'passing' },
    });
    const entries = checkServiceNodes(store, 'web').value;
    assert.deepEqual(
      entries.map((entry) => entry.Checks.map((check) => check.CheckID)),
      [['serfHealth'], ['serfHealth', 'web http']],
    );
    assert.equal(checkServiceNodes(store, 'web').index, 6);
  });

  it('serves repeated reads between writes from one computation, and recomputes after a write', () => {
    const store = catalog();
    const first = checkServiceNodes(store, 'web');
    assert.equal(checkServiceNodes(store, 'web').value, first.value);
    assert.notEqual(checkServiceNodes(store, 'web', { passingOnly: true }).value, first.value);
    ensureRegistration(store, 10, serviceRegistration('n2', { Service: 'db', Port: 1 }));
    const second = checkServiceNodes(store, 'web');
    assert.notEqual(second.value, first.value);
    assert.deepEqual(second.value, first.value);
    ensureRegistration(store, 11, serviceRegistration('n2', { Service: 'web', Tags: ['v3'] }));
    assert.deepEqual(checkServiceNodes(store, 'web').value[1]?.Service.Tags, ['v3']);
  });

  it('drops entries with any non-passing check when passingOnly', () => {
    const store = catalog();
    assert.equal(checkServiceNodes(store, 'db').value.length, 1);
    assert.equal(checkServiceNodes(store, 'db', { passingOnly: true }).value.length, 0);
    ensureCheck(store, 7, { Node: 'n1', CheckID: 'serfHealth', Name: 'serfHealth', Status: 'critical' });
    assert.deepEqual(
      checkServiceNodes(store, 'web', { passingOnly: true }).value.map((entry) => entry.Node.Node),
      ['n2'],
    );
  });

  it('answers checks by state, node and service with the checks table index', () => {
    const store = catalog();
    assert.deepEqual(
      checksInState(store, 'warning').value.map((check) => check.CheckID),
      ['db up'],
    );
    assert.equal(checksInState(store, 'any').value.length, 3);
    assert.equal(checksInState(store, 'passing', { nodeMeta: { rack: 'a' } }).value.length, 1);
    assert.deepEqual(
      nodeChecks(store, 'n2').value.map((check) => check.CheckID),
      ['db up', 'serfHealth'],
    );
    assert.deepEqual(
      serviceChecks(store, 'db').value.map((check) => check.Node),
      ['n2'],
    );
    assert.equal(serviceChecks(store, 'db').index, 3);
  });
});

describe('watch precision', () => {
  it('a write to service db fires none of the watchers on web', () => {
    const store = catalog();
    const web = Array.from({ length: 1000 }, () => watchCount(store, checkServiceNodes(store, 'web')));
    const db = watchCount(store, checkServiceNodes(store, 'db'));
    ensureRegistration(store, 10, serviceRegistration('n2', { Service: 'db', Port: 5432 }));
    assert.equal(db(), 1);
    assert.ok(web.every((count) => count() === 0));
    assert.equal(store.watchersOn('service:web'), 1000);
  });

  it('an identical write fires nothing', () => {
    const store = catalog();
    const fired = watchCount(store, checkServiceNodes(store, 'web'));
    const all = watchCount(store, nodes(store));
    ensureRegistration(
      store,
      10,
      serviceRegistration('n2', { Service: 'web', Tags: ['v2'] }, [{ Name: 'serfHealth', Status: 'passing' }]),
    );
    assert.equal(fired(), 0);
    assert.equal(all(), 0);
  });

  const cases: [string, (store: StateStore) => QueryResult<unknown>, (store: StateStore) => void, boolean][] = [
    [
      'a node check wakes health of a service on that node',
      (s) => checkServiceNodes(s, 'db'),
      (s) => ensureCheck(s, 10, { Node: 'n2', Name: 'serfHealth', Status: 'critical' }),
      true,
    ],
    [
      'a node check on another node does not',
      (s) => checkServiceNodes(s, 'db'),
      (s) => ensureCheck(s, 10, { Node: 'n1', Name: 'serfHealth', Status: 'critical' }),
      false,
    ],
    [
      'a node address change wakes its services',
      (s) => serviceNodes(s, 'db'),
      (s) => ensureRegistration(s, 10, { ...nodeRegistration('n2'), Address: '1.1.1.1' }),
      true,
    ],
    ['a new node wakes the node list', (s) => nodes(s), (s) => ensureRegistration(s, 10, nodeRegistration('n9')), true],
    [
      'a check change does not wake the node list',
      (s) => nodes(s),
      (s) => ensureCheck(s, 10, { Node: 'n2', Name: 'serfHealth', Status: 'critical' }),
      false,
    ],
    [
      'a new service wakes the service list',
      (s) => services(s),
      (s) => ensureRegistration(s, 10, serviceRegistration('n2', { Service: 'cache' })),
      true,
    ],
    [
      'a query for a missing service wakes when it appears',
      (s) => checkServiceNodes(s, 'cache'),
      (s) => ensureRegistration(s, 10, serviceRegistration('n2', { Service: 'cache' })),
      true,
    ],
    [
      'the last instance leaving wakes its watchers',
      (s) => serviceNodes(s, 'db'),
      (s) => deregister(s, 10, { Node: 'n2', ServiceID: 'db' }),
      true,
    ],
    [
      'a proxy change wakes connect watchers of its destination',
      (s) => connectCheckServiceNodes(s, 'web'),
      (s) =>
        ensureRegistration(
          s,
          10,
          serviceRegistration('n1', {
            ID: 'web-proxy',
            Service: 'web-sidecar-proxy',
            Kind: 'connect-proxy',
            Port: 1,
            Proxy: { DestinationServiceName: 'web' },
          }),
        ),
      true,
    ],
    [
      'a proxy change does not wake connect watchers of others',
      (s) => connectCheckServiceNodes(s, 'api'),
      (s) =>
        ensureRegistration(
          s,
          10,
          serviceRegistration('n1', {
            ID: 'web-proxy',
            Service: 'web-sidecar-proxy',
            Kind: 'connect-proxy',
            Port: 1,
            Proxy: { DestinationServiceName: 'web' },
          }),
        ),
      false,
    ],
    [
      'a check entering critical wakes the critical list',
      (s) => checksInState(s, 'critical'),
      (s) => ensureCheck(s, 10, { Node: 'n2', Name: 'db up', ServiceID: 'db', Status: 'critical' }),
      true,
    ],
    [
      'a warning check changing output does not wake the critical list',
      (s) => checksInState(s, 'critical'),
      (s) => ensureCheck(s, 10, { Node: 'n2', Name: 'db up', ServiceID: 'db', Status: 'warning', Output: 'x' }),
      false,
    ],
    [
      'a node check wakes that node health',
      (s) => nodeChecks(s, 'n1'),
      (s) => ensureCheck(s, 10, { Node: 'n1', Name: 'serfHealth', Status: 'critical' }),
      true,
    ],
    [
      'a coordinate wakes that node coordinate only',
      (s) => nodeCoordinates(s, 'n2'),
      (s) => coordinateBatchUpdate(s, 10, [{ Node: 'n1', Coord: { Vec: [0], Error: 0, Adjustment: 0, Height: 0 } }]),
      false,
    ],
    [
      'a service added to a node wakes that node services',
      (s) => nodeServices(s, 'n3'),
      (s) => ensureRegistration(s, 10, serviceRegistration('n3', { Service: 'x' })),
      true,
    ],
  ];
  for (const [what, read, write, expected] of cases) {
    it(what, () => {
      const store = catalog();
      const fired = watchCount(store, read(store));
      write(store);
      assert.equal(fired(), expected ? 1 : 0);
    });
  }

  it('a restore fires every watcher once, with reason restore', () => {
    const store = catalog();
    const reasons: string[] = [];
    store.watch(checkServiceNodes(store, 'web').watch, (reason) => reasons.push(reason));
    store.watch(nodes(store).watch, (reason) => reasons.push(reason));
    store.restore({ tables: [], indexes: [] });
    assert.deepEqual(reasons, ['restore', 'restore']);
    assert.equal(store.watcherCount, 0);
  });

  it('a cancelled watch does not fire', () => {
    const store = catalog();
    let fired = 0;
    const cancel = store.watch(nodes(store).watch, () => fired++);
    cancel();
    ensureRegistration(store, 10, nodeRegistration('n9'));
    assert.equal(fired, 0);
    assert.equal(store.watcherCount, 0);
  });
});
