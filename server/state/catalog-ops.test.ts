// Proves the catalog writes keep Consul's semantics: defaults and validation of Catalog.Register, CreateIndex kept
// and ModifyIndex unmoved on identical writes, node renames and name conflicts, deregistration cascading to
// checks and services, and all-or-nothing transactions (a failing check leaves node and service unwritten).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkServiceNodes,
  coordinateBatchUpdate,
  coordinates,
  deregister,
  ensureCheck,
  ensureRegistration,
  getNode,
  InvalidWriteError,
  MissingNodeError,
  MissingServiceError,
  NodeConflictError,
  nodeChecks,
  nodeServices,
  nodes,
  StateStore,
  serviceChecks,
  serviceNodes,
  tableIndexKey,
} from './index.js';
import { nodeRegistration, serviceRegistration } from './testing/fixtures.js';

const nodeId1 = '40e4a748-2192-161a-0510-9bf59fe950b5';
const nodeId2 = '50e4a748-2192-161a-0510-9bf59fe950b5';
const coord = { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 };

describe('ensureRegistration', () => {
  it('registers a node, a service and a check with Consul defaults', () => {
    const store = new StateStore();
    ensureRegistration(store, 3, {
      Node: 'n1',
      Address: '10.0.0.1',
      Service: { Service: 'web', Port: 8080 },
      Check: { Name: 'web alive', ServiceID: 'web', Definition: { HTTP: 'http://x/', Interval: '10s' } },
    });
    const [entry] = checkServiceNodes(store, 'web').value;
    assert.ok(entry);
    assert.equal(entry.Service.ID, 'web');
    assert.deepEqual(entry.Service.Tags, []);
    assert.deepEqual(entry.Service.Weights, { Passing: 1, Warning: 1 });
    const [check] = entry.Checks;
    assert.ok(check);
    assert.equal(check.CheckID, 'web alive');
    assert.equal(check.Status, 'critical');
    assert.equal(check.Type, 'http');
    assert.equal(check.ServiceName, 'web');
    assert.deepEqual(check.Definition, {
      HTTP: 'http://x/',
      Interval: '10s',
      Timeout: '0s',
      DeregisterCriticalServiceAfter: '0s',
    });
    assert.equal(check.CreateIndex, 3);
  });

  it('defaults weights to 1/1 and replaces invalid ones, as Consul does', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, serviceRegistration('n1', { Service: 'a', Weights: { Passing: 5, Warning: 0 } }));
    ensureRegistration(store, 2, serviceRegistration('n1', { Service: 'b', Weights: { Passing: 0, Warning: 3 } }));
    assert.deepEqual(serviceNodes(store, 'a').value[0]?.ServiceWeights, { Passing: 5, Warning: 0 });
    assert.deepEqual(serviceNodes(store, 'b').value[0]?.ServiceWeights, { Passing: 1, Warning: 1 });
  });

  it('accepts nanosecond numbers and node-consul *Duration spellings in a check definition', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, {
      ...nodeRegistration('n1'),
      Check: { Name: 'c', Definition: { TCP: 'x:1', IntervalDuration: '1m30s', Timeout: 2_000_000_000 } },
    });
    const [check] = nodeChecks(store, 'n1').value;
    assert.equal(check?.Definition.Interval, '1m30s');
    assert.equal(check?.Definition.Timeout, '2s');
    assert.equal(check?.Definition['IntervalDuration'], undefined);
  });

  const types: [string, Record<string, unknown>, string][] = [
    ['http', { HTTP: 'http://x/' }, 'http'],
    ['tcp', { TCP: 'x:1' }, 'tcp'],
    ['udp', { UDP: 'x:1' }, 'udp'],
    ['grpc', { GRPC: 'x:1' }, 'grpc'],
    ['h2ping', { H2PING: 'x:1' }, 'h2ping'],
    ['ttl', { TTL: '30s' }, 'ttl'],
    ['alias', { AliasService: 'web' }, 'alias'],
    ['script', { ScriptArgs: ['/bin/true'] }, 'script'],
    ['docker', { Args: ['true'], DockerContainerID: 'abc' }, 'docker'],
    ['no definition (serfHealth)', {}, ''],
  ];
  for (const [what, definition, type] of types) {
    it(`derives check Type ${JSON.stringify(type)} from a ${what} definition`, () => {
      const store = new StateStore();
      ensureRegistration(store, 1, { ...nodeRegistration('n1'), Check: { Name: 'c', Definition: definition } });
      assert.equal(nodeChecks(store, 'n1').value[0]?.Type, type);
    });
  }

  it('keeps CreateIndex on update and leaves ModifyIndex and indexes alone on an identical write', () => {
    const store = new StateStore();
    const request = serviceRegistration('n1', { Service: 'web', Tags: ['a'] }, [{ Name: 'c', Status: 'passing' }]);
    ensureRegistration(store, 5, request);
    ensureRegistration(store, 6, request);
    assert.equal(getNode(store, 'n1').value?.ModifyIndex, 5);
    assert.equal(serviceNodes(store, 'web').value[0]?.ModifyIndex, 5);
    assert.equal(nodeChecks(store, 'n1').value[0]?.ModifyIndex, 5);
    assert.equal(store.indexes.get(tableIndexKey('nodes')), 5);
    assert.equal(serviceNodes(store, 'web').index, 5);

    ensureRegistration(store, 7, { ...request, Service: { Service: 'web', Tags: ['b'] } });
    const [web] = serviceNodes(store, 'web').value;
    assert.equal(web?.CreateIndex, 5);
    assert.equal(web?.ModifyIndex, 7);
    assert.equal(getNode(store, 'n1').value?.ModifyIndex, 5, 'the node did not change');
    assert.equal(store.indexes.get(tableIndexKey('nodes')), 5);
  });

  it('updates the node address and bumps the services on it', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, serviceRegistration('n1', { Service: 'web' }));
    ensureRegistration(store, 2, { ...serviceRegistration('n1', { Service: 'web' }), Address: '10.9.9.9' });
    assert.equal(getNode(store, 'n1').value?.Address, '10.9.9.9');
    assert.equal(getNode(store, 'n1').value?.CreateIndex, 1);
    assert.equal(serviceNodes(store, 'web').index, 2);
    assert.equal(serviceNodes(store, 'web').value[0]?.Address, '10.9.9.9');
  });

  it('SkipNodeUpdate leaves an existing node as it is', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, nodeRegistration('n1', { NodeMeta: { rack: 'a' } }));
    ensureRegistration(store, 2, { Node: 'n1', SkipNodeUpdate: true, Service: { Service: 'db' } });
    const node = getNode(store, 'n1').value;
    assert.deepEqual(node?.Meta, { rack: 'a' });
    assert.equal(node?.ModifyIndex, 1);
  });

  it('treats node, service and check names case-insensitively', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, serviceRegistration('Node1', { Service: 'Web', ID: 'Web-1' }));
    ensureRegistration(store, 2, { Node: 'node1', SkipNodeUpdate: true, Check: { Name: 'c', ServiceID: 'web-1' } });
    assert.equal(nodes(store).value.length, 1);
    assert.equal(serviceNodes(store, 'WEB').value.length, 1);
    assert.equal(serviceChecks(store, 'web').value[0]?.ServiceID, 'Web-1');
  });

  const refusals: [string, unknown, new (...args: never[]) => Error, RegExp][] = [
    ['no node', { Address: '1.2.3.4' }, InvalidWriteError, /Must provide node/],
    ['no address', { Node: 'n1' }, InvalidWriteError, /Must provide address if SkipNodeUpdate is not set/],
    ['a bad node ID', { Node: 'n1', Address: 'a', ID: 'nope' }, InvalidWriteError, /Bad node ID/],
    [
      'a service ID without name',
      { ...nodeRegistration('n1'), Service: { ID: 'x' } },
      InvalidWriteError,
      /Must provide service name/,
    ],
    [
      'a 0.0.0.0 service address',
      { ...nodeRegistration('n1'), Service: { Service: 's', Address: '0.0.0.0' } },
      InvalidWriteError,
      /Invalid service address/,
    ],
    [
      'a bad status',
      { ...nodeRegistration('n1'), Check: { Name: 'c', Status: 'ok' } },
      InvalidWriteError,
      /Invalid check status/,
    ],
    [
      'a check of another node',
      { ...nodeRegistration('n1'), Check: { Name: 'c', Node: 'n2' } },
      InvalidWriteError,
      /doesn't match register request node/,
    ],
    [
      'a check of a missing service',
      { ...nodeRegistration('n1'), Check: { Name: 'c', ServiceID: 'nope' } },
      MissingServiceError,
      /Missing service registration/,
    ],
    [
      'tags that are not strings',
      { ...nodeRegistration('n1'), Service: { Service: 's', Tags: [1] } },
      InvalidWriteError,
      /Service.Tags/,
    ],
    [
      'reserved service meta',
      { ...nodeRegistration('n1'), Service: { Service: 's', Meta: { 'consul-x': '1' } } },
      InvalidWriteError,
      /Invalid Service Meta for node n1 and serviceID s: Key prefix 'consul-' is reserved/,
    ],
    [
      'too much meta',
      { ...nodeRegistration('n1'), NodeMeta: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
      InvalidWriteError,
      /more than 64/,
    ],
    ['not an object', 'garbage', InvalidWriteError, /must be an object/],
  ];
  for (const [what, request, type, message] of refusals) {
    it(`refuses ${what} and changes nothing`, () => {
      const store = new StateStore();
      assert.throws(
        () => ensureRegistration(store, 1, request),
        (error: unknown) => {
          assert.ok(error instanceof type);
          assert.match((error as Error).message, message);
          return true;
        },
      );
      assert.equal(nodes(store).value.length, 0);
      assert.equal(store.latestIndex(), 0);
    });
  }

  it('rolls back node and service when a later check fails', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, nodeRegistration('n0'));
    const watcher: string[] = [];
    store.watch([tableIndexKey('nodes')], (reason) => watcher.push(reason));
    assert.throws(
      () =>
        ensureRegistration(store, 2, {
          ...nodeRegistration('n1'),
          Service: { Service: 'web' },
          Checks: [
            { Name: 'ok', ServiceID: 'web' },
            { Name: 'bad', ServiceID: 'missing' },
          ],
        }),
      MissingServiceError,
    );
    assert.deepEqual(
      nodes(store).value.map((node) => node.Node),
      ['n0'],
    );
    assert.equal(serviceNodes(store, 'web').value.length, 0);
    assert.equal(store.indexes.get(tableIndexKey('nodes')), 1);
    assert.equal(store.indexes.get(tableIndexKey('services')), 0);
    assert.deepEqual(watcher, [], 'a failed write wakes nobody');
  });

  it('refuses a node name held by another node ID while its serfHealth is not critical', () => {
    const store = new StateStore();
    ensureRegistration(
      store,
      1,
      nodeRegistration('n1', { ID: nodeId1, Check: { CheckID: 'serfHealth', Name: 'Serf', Status: 'passing' } }),
    );
    assert.throws(() => ensureRegistration(store, 2, nodeRegistration('n1', { ID: nodeId2 })), NodeConflictError);
    ensureCheck(store, 3, { Node: 'n1', CheckID: 'serfHealth', Name: 'Serf', Status: 'critical' });
    ensureRegistration(store, 4, nodeRegistration('n1', { ID: nodeId2 }));
    assert.equal(getNode(store, 'n1').value?.ID, nodeId2);
  });

  it("wraps refusals in Consul's context", () => {
    const store = new StateStore();
    assert.throws(
      () => ensureRegistration(store, 1, { ...nodeRegistration('n1'), Check: { Name: 'c', ServiceID: 'nope' } }),
      { name: 'MissingServiceError', message: 'failed inserting check on node "n1": Missing service registration' },
    );
  });

  it('creates a missing node even with SkipNodeUpdate, as Consul does', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, { Node: 'n1', SkipNodeUpdate: true, Service: { Service: 'web' } });
    assert.equal(getNode(store, 'n1').value?.Address, '');
    assert.equal(serviceNodes(store, 'web').value.length, 1);
  });

  it('lets a new node ID take the name of a node that has no serfHealth check', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, nodeRegistration('n1', { ID: nodeId1 }));
    ensureRegistration(store, 2, nodeRegistration('n1', { ID: nodeId2 }));
    assert.equal(getNode(store, 'n1').value?.ID, nodeId2);
    ensureRegistration(
      store,
      3,
      nodeRegistration('n1', { ID: nodeId2, Check: { CheckID: 'serfHealth', Name: 's', Status: 'passing' } }),
    );
    assert.throws(() => ensureRegistration(store, 4, nodeRegistration('n1', { ID: nodeId1 })), {
      name: 'NodeConflictError',
      message: `failed inserting node: Error while renaming Node ID: "${nodeId1}": Node name n1 is reserved by node ${nodeId2} with name n1 (10.0.0.2)`,
    });
  });

  it('renames a node that keeps its ID, dropping the old name', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, serviceRegistration('old', { Service: 'web' }, [], { ID: nodeId1 }));
    ensureRegistration(store, 2, nodeRegistration('new', { ID: nodeId1 }));
    assert.deepEqual(
      nodes(store).value.map((node) => node.Node),
      ['new'],
    );
    assert.equal(getNode(store, 'new').value?.CreateIndex, 1);
    assert.equal(serviceNodes(store, 'web').value.length, 0, 'services went with the old name');
  });
});

describe('ensureCheck', () => {
  it('moves ModifyIndex only when status or output change', () => {
    const store = new StateStore();
    ensureRegistration(
      store,
      1,
      serviceRegistration('n1', { Service: 'web' }, [{ Name: 'c', ServiceID: 'web', Status: 'passing' }]),
    );
    ensureCheck(store, 2, { Node: 'n1', CheckID: 'c', Name: 'c', ServiceID: 'web', Status: 'passing' });
    assert.equal(nodeChecks(store, 'n1').value[0]?.ModifyIndex, 1);
    ensureCheck(store, 3, { Node: 'n1', CheckID: 'c', Name: 'c', ServiceID: 'web', Status: 'warning', Output: 'slow' });
    const [check] = nodeChecks(store, 'n1').value;
    assert.equal(check?.ModifyIndex, 3);
    assert.equal(check?.CreateIndex, 1);
    assert.equal(checkServiceNodes(store, 'web').index, 3);
  });

  it('refuses a check on a missing node', () => {
    assert.throws(() => ensureCheck(new StateStore(), 1, { Node: 'n1', Name: 'c' }), MissingNodeError);
  });
});

describe('deregister', () => {
  function populated(): StateStore {
    const store = new StateStore();
    ensureRegistration(
      store,
      1,
      serviceRegistration('n1', { Service: 'web' }, [{ Name: 'w', ServiceID: 'web' }, { Name: 'serfHealth' }]),
    );
    ensureRegistration(store, 2, serviceRegistration('n1', { Service: 'db' }, [{ Name: 'd', ServiceID: 'db' }]));
    ensureRegistration(store, 3, serviceRegistration('n2', { Service: 'web' }));
    coordinateBatchUpdate(store, 4, [{ Node: 'n1', Coord: coord }]);
    return store;
  }

  it('deletes a service with its checks', () => {
    const store = populated();
    deregister(store, 5, { Node: 'n1', ServiceID: 'web' });
    assert.deepEqual(
      nodeChecks(store, 'n1').value.map((check) => check.CheckID),
      ['d', 'serfHealth'],
    );
    assert.deepEqual(
      serviceNodes(store, 'web').value.map((entry) => entry.Node),
      ['n2'],
    );
    assert.equal(serviceNodes(store, 'web').index, 5);
  });

  it('deletes one check', () => {
    const store = populated();
    deregister(store, 5, { Node: 'n1', CheckID: 'serfHealth' });
    assert.deepEqual(
      nodeChecks(store, 'n1').value.map((check) => check.CheckID),
      ['d', 'w'],
    );
    assert.equal(checkServiceNodes(store, 'web').index, 5, 'a node check feeds every service on the node');
    assert.equal(checkServiceNodes(store, 'db').index, 5);
  });

  it('deletes a node with its services, checks and coordinates', () => {
    const store = populated();
    deregister(store, 5, { Node: 'n1' });
    assert.equal(getNode(store, 'n1').value, null);
    assert.equal(nodeServices(store, 'n1').value, null);
    assert.equal(nodeChecks(store, 'n1').value.length, 0);
    assert.equal(coordinates(store).value.length, 0);
    assert.equal(coordinates(store).index, 5);
  });

  it('is a no-op for things that do not exist', () => {
    const store = populated();
    const before = store.latestIndex();
    deregister(store, 9, { Node: 'n1', ServiceID: 'nope' });
    deregister(store, 9, { Node: 'n1', CheckID: 'nope' });
    deregister(store, 9, { Node: 'nope' });
    assert.equal(store.indexes.latest(), before);
  });

  it('records the extinction of the last instance as the index of a missing service', () => {
    const store = populated();
    deregister(store, 5, { Node: 'n1', ServiceID: 'db' });
    const result = serviceNodes(store, 'db');
    assert.deepEqual(result.value, []);
    assert.equal(result.index, 5);
    assert.equal(serviceNodes(store, 'never-existed').index, 5);
  });
});

describe('coordinateBatchUpdate', () => {
  it('skips unknown nodes and refuses non-finite coordinates', () => {
    const store = new StateStore();
    ensureRegistration(store, 1, nodeRegistration('n1'));
    assert.equal(
      coordinateBatchUpdate(store, 2, [
        { Node: 'n1', Coord: coord },
        { Node: 'ghost', Coord: coord },
      ]),
      1,
    );
    assert.deepEqual(
      coordinates(store).value.map((entry) => entry.Node),
      ['n1'],
    );
    assert.equal(coordinates(store).index, 2);
    assert.throws(
      () => coordinateBatchUpdate(store, 3, [{ Node: 'n1', Coord: { ...coord, Error: Number.NaN } }]),
      InvalidWriteError,
    );
    assert.equal(coordinateBatchUpdate(store, 4, [{ Node: 'ghost', Coord: coord }]), 0);
    assert.equal(coordinates(store).index, 2, 'nothing written, index unmoved');
  });
});
