// Proves anti-entropy's decision function by tables: which registrations and deregistrations a full sync plans
// against a given catalog view (missing, different, extra, deleted entries; serfHealth, the servers' `consul`
// service and deferred output left alone), what a partial sync sends, and the interval scaling with cluster size.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import type { HealthCheck, Node, NodeService } from '../../server/state/types.js';
import type { LocalCheck, LocalNode, LocalService } from '../local/types.js';
import { localServiceRow } from '../testing/local-fixtures.js';
import { planSync, type RemoteState, type SyncInput, sameValue } from './plan.js';
import { nextFullSyncDelayMs, syncScaleFactor } from './scale.js';

const node: LocalNode = {
  ID: 'id-1',
  Node: 'n1',
  Address: '10.0.0.1',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: '10.0.0.1' },
  Meta: { rack: 'r1' },
};
const remoteNode: Node = { ...node, CreateIndex: 1, ModifyIndex: 1 };

function service(
  id: string,
  fields: Partial<LocalService['row']> = {},
  entry: Partial<LocalService> = {},
): LocalService {
  return {
    row: localServiceRow({ ID: id, Service: id, ...fields }),
    token: '',
    source: 'api',
    inSync: false,
    deleted: false,
    version: 1,
    ...entry,
  };
}

function check(id: string, fields: Partial<LocalCheck['row']> = {}, entry: Partial<LocalCheck> = {}): LocalCheck {
  return {
    row: {
      Node: 'n1',
      CheckID: id,
      Name: id,
      Status: 'passing',
      Notes: '',
      Output: '',
      ServiceID: '',
      ServiceName: '',
      ServiceTags: [],
      Type: 'ttl',
      Interval: '',
      Timeout: '',
      ExposedPort: 0,
      Definition: {},
      ...fields,
    },
    definition: null,
    token: '',
    source: 'api',
    inSync: false,
    deleted: false,
    version: 1,
    deferOutput: false,
    ...entry,
  };
}

const asRemoteService = (entry: LocalService, fields: Partial<NodeService> = {}): NodeService => ({
  ...entry.row,
  CreateIndex: 1,
  ModifyIndex: 1,
  ...fields,
});
const asRemoteCheck = (entry: LocalCheck, fields: Partial<HealthCheck> = {}): HealthCheck => ({
  ...entry.row,
  CreateIndex: 1,
  ModifyIndex: 1,
  ...fields,
});
const serfHealth: HealthCheck = asRemoteCheck(check('serfHealth', { Type: '' }));

function plan(input: Partial<SyncInput> & { remote: RemoteState | null }): string[] {
  const result = planSync({ node, nodeInSync: true, services: [], checks: [], isServer: false, ...input });
  return result.ops.map((op) => ('id' in op ? `${op.kind} ${op.id}` : op.kind));
}

describe('planSync, full sync', () => {
  const web = service('web');
  const webCheck = check('service:web', { ServiceID: 'web', ServiceName: 'web' });
  const cases: { name: string; input: Partial<SyncInput> & { remote: RemoteState }; ops: string[] }[] = [
    {
      name: 'an empty catalog gets the node, then services, then checks',
      input: { services: [web], checks: [webCheck], remote: { node: null, services: [], checks: [] } },
      ops: ['register-node', 'register-service web', 'register-check service:web'],
    },
    {
      name: 'nothing to do when the catalog matches (serfHealth is not ours to touch)',
      input: {
        services: [web],
        checks: [webCheck],
        remote: { node: remoteNode, services: [asRemoteService(web)], checks: [asRemoteCheck(webCheck), serfHealth] },
      },
      ops: [],
    },
    {
      name: 'a changed node address re-registers the node only',
      input: { remote: { node: { ...remoteNode, Address: '10.0.0.9' }, services: [], checks: [] } },
      ops: ['register-node'],
    },
    {
      name: 'a service differing in port or tags is re-registered',
      input: {
        services: [web],
        remote: { node: remoteNode, services: [asRemoteService(web, { Port: 81, Tags: ['x'] })], checks: [] },
      },
      ops: ['register-service web'],
    },
    {
      name: 'tags changed in the catalog stay when EnableTagOverride is on',
      input: {
        services: [service('web', { EnableTagOverride: true })],
        remote: {
          node: remoteNode,
          services: [asRemoteService(service('web', { EnableTagOverride: true }), { Tags: ['set-by-others'] })],
          checks: [],
        },
      },
      ops: [],
    },
    {
      name: 'services and checks only the catalog has are removed; checks of removed services go with them',
      input: {
        remote: {
          node: remoteNode,
          services: [asRemoteService(service('old'))],
          checks: [
            asRemoteCheck(check('service:old', { ServiceID: 'old' })),
            asRemoteCheck(check('stray')),
            serfHealth,
          ],
        },
      },
      ops: ['deregister-check stray', 'deregister-service old'],
    },
    {
      name: 'a server keeps the consul service the server registered',
      input: {
        isServer: true,
        remote: { node: remoteNode, services: [asRemoteService(service('consul'))], checks: [] },
      },
      ops: [],
    },
    {
      name: 'locally deleted entries are deregistered when the catalog still has them',
      input: {
        services: [service('gone', {}, { deleted: true })],
        checks: [check('gone-check', {}, { deleted: true })],
        remote: {
          node: remoteNode,
          services: [asRemoteService(service('gone'))],
          checks: [asRemoteCheck(check('gone-check'))],
        },
      },
      ops: ['deregister-check gone-check', 'deregister-service gone'],
    },
    {
      name: 'a status difference is synced',
      input: {
        checks: [check('c', { Status: 'critical' })],
        remote: { node: remoteNode, services: [], checks: [asRemoteCheck(check('c'))] },
      },
      ops: ['register-check c'],
    },
    {
      name: 'an output difference waits while the output sync is deferred',
      input: {
        checks: [check('c', { Output: 'new' }, { deferOutput: true })],
        remote: { node: remoteNode, services: [], checks: [asRemoteCheck(check('c', { Output: 'old' }))] },
      },
      ops: [],
    },
    {
      name: 'an output difference is synced when no deferral is pending',
      input: {
        checks: [check('c', { Output: 'new' })],
        remote: { node: remoteNode, services: [], checks: [asRemoteCheck(check('c', { Output: 'old' }))] },
      },
      ops: ['register-check c'],
    },
    {
      name: 'IDs compare case-insensitively, as the catalog does',
      input: {
        services: [service('Web')],
        remote: { node: remoteNode, services: [asRemoteService(service('Web'), { ID: 'web' })], checks: [] },
      },
      ops: ['register-service Web'],
    },
  ];
  for (const { name, input, ops } of cases) {
    it(name, () => assert.deepEqual(plan(input), ops));
  }

  it('takes the catalog tags of an EnableTagOverride service', () => {
    const entry = service('web', { EnableTagOverride: true, Tags: ['mine'] }, { version: 3 });
    const result = planSync({
      node,
      nodeInSync: true,
      services: [entry],
      checks: [],
      remote: { node: remoteNode, services: [asRemoteService(entry, { Tags: ['theirs'] })], checks: [] },
      isServer: false,
    });
    assert.deepEqual(result.adoptTags, [{ id: 'web', version: 3, tags: ['theirs'] }]);
  });

  it('reports the entries found in sync with their versions', () => {
    const entry = service('web', {}, { version: 7 });
    const result = planSync({
      node,
      nodeInSync: false,
      services: [entry],
      checks: [],
      remote: { node: remoteNode, services: [asRemoteService(entry)], checks: [] },
      isServer: false,
    });
    assert.deepEqual(result.alreadyInSync, { node: true, services: [{ id: 'web', version: 7 }], checks: [] });
  });
});

describe('planSync, partial sync', () => {
  it('sends only what is out of sync, trusting the flags', () => {
    const ops = plan({
      nodeInSync: false,
      services: [service('a', {}, { inSync: true }), service('b'), service('c', {}, { deleted: true })],
      checks: [check('x', {}, { inSync: true }), check('y'), check('z', {}, { deleted: true })],
      remote: null,
    });
    assert.deepEqual(ops, [
      'register-node',
      'register-service b',
      'register-check y',
      'deregister-check z',
      'deregister-service c',
    ]);
  });
});

describe('sameValue', () => {
  const cases: [unknown, unknown, boolean][] = [
    [{ a: 1, b: '' }, { a: 1 }, true],
    [{ Proxy: null }, {}, true],
    [{ Tags: [] }, { Tags: null }, true],
    [{ a: { b: 0 } }, {}, true],
    [['x', 'y'], ['y', 'x'], false],
    [{ Port: 80 }, { Port: 81 }, false],
    [{ Meta: { k: 'v' } }, { Meta: {} }, false],
  ];
  for (const [a, b, same] of cases)
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)} → ${same}`, () => assert.equal(sameValue(a, b), same));
});

describe('full sync interval scaling', () => {
  const cases: [number, number][] = [
    [1, 1],
    [128, 1],
    [129, 2],
    [256, 2],
    [257, 3],
    [1024, 4],
    [10_000, 8],
  ];
  for (const [size, factor] of cases)
    it(`${size} nodes → ×${factor}`, () => assert.equal(syncScaleFactor(size), factor));

  it('staggers within [interval, interval × (1 + factor))', () => {
    const rand = new SeededRand(7);
    for (let i = 0; i < 100; i++) {
      const delayMs = nextFullSyncDelayMs(60_000, 300, rand);
      assert.ok(delayMs >= 60_000 && delayMs < 60_000 * 4, String(delayMs));
    }
  });
});
