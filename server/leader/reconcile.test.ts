// Proves the reconcile decisions as a table (Consul leader_registrator_v1.go): alive members get registered with
// serfHealth passing (servers with the consul service), failed ones critical, left and reaped ones deregistered,
// nothing is written when the catalog already agrees, the leader never deregisters itself, and a full pass
// removes catalog nodes the pool forgot.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMember } from '../../gossip/serf/members.js';
import { serverTags } from '../bootstrap.js';
import { type CatalogNodeView, reconcileAll, reconcileMember } from './reconcile.js';

const context = { datacenter: 'dc1', localNodeName: 'leader' };
const member = (name: string, status: SerfMember['status'], tags: Record<string, string> = { role: 'node' }) =>
  ({ name, address: '10.0.0.9:8301', status, statusChangeMs: 0, tags: { dc: 'dc1', id: '', ...tags } }) as SerfMember;
const view = (overrides: Partial<CatalogNodeView> = {}): CatalogNodeView => ({
  name: 'n1',
  id: '',
  address: '10.0.0.9',
  serfHealth: 'passing',
  consulServicePort: null,
  taggedAddresses: { lan: '10.0.0.9' },
  meta: { rack: 'r1' },
  ...overrides,
});
const serverMemberTags = serverTags({
  datacenter: 'dc1',
  nodeId: '',
  serverPort: 8300,
  bootstrapExpect: 3,
  bootstrap: false,
  build: 'x',
});

describe('reconcileMember', () => {
  const table: {
    name: string;
    member: SerfMember;
    event?: 'status' | 'reap';
    existing: CatalogNodeView | null;
    expect: string | null;
  }[] = [
    {
      name: 'alive, unknown: register passing',
      member: member('n1', 'alive'),
      existing: null,
      expect: 'register:passing',
    },
    { name: 'alive, up to date: nothing', member: member('n1', 'alive'), existing: view(), expect: null },
    {
      name: 'alive, critical in catalog: register passing',
      member: member('n1', 'alive'),
      existing: view({ serfHealth: 'critical' }),
      expect: 'register:passing',
    },
    {
      name: 'alive, address changed: register',
      member: member('n1', 'alive'),
      existing: view({ address: '10.9.9.9' }),
      expect: 'register:passing',
    },
    {
      name: 'alive server without consul service: register',
      member: member('n1', 'alive', serverMemberTags),
      existing: view(),
      expect: 'register:passing',
    },
    {
      name: 'alive server up to date: nothing',
      member: member('n1', 'alive', serverMemberTags),
      existing: view({ consulServicePort: 8300 }),
      expect: null,
    },
    {
      name: 'failed: register critical',
      member: member('n1', 'failed'),
      existing: view(),
      expect: 'register:critical',
    },
    {
      name: 'failed, already critical: nothing',
      member: member('n1', 'failed'),
      existing: view({ serfHealth: 'critical' }),
      expect: null,
    },
    { name: 'left: deregister', member: member('n1', 'left'), existing: view(), expect: 'deregister' },
    { name: 'left, not in catalog: nothing', member: member('n1', 'left'), existing: null, expect: null },
    {
      name: 'reaped: deregister',
      member: member('n1', 'failed'),
      event: 'reap',
      existing: view(),
      expect: 'deregister',
    },
    { name: 'leaving: wait for the outcome', member: member('n1', 'leaving'), existing: view(), expect: null },
    {
      name: 'the leader itself left: never',
      member: member('leader', 'left'),
      existing: view({ name: 'leader' }),
      expect: null,
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const op = reconcileMember(row.member, row.event ?? 'status', row.existing, context);
      const summary = op === null ? null : op.kind === 'register' ? `register:${op.status}` : 'deregister';
      assert.equal(summary, row.expect);
    });
  }

  it('keeps a known node’s tagged addresses and meta when marking it alive, and its fields when failed', () => {
    const alive = reconcileMember(member('n1', 'alive'), 'status', view({ serfHealth: 'critical' }), context);
    assert.equal(alive?.kind, 'register');
    if (alive?.kind !== 'register') return;
    assert.deepEqual(alive.request.NodeMeta, { rack: 'r1' });
    assert.deepEqual(alive.request.TaggedAddresses, { lan: '10.0.0.9' });
    const failed = reconcileMember(member('n1', 'failed'), 'status', view(), context);
    assert.equal(failed?.kind === 'register' && failed.request.SkipNodeUpdate, true);
  });

  it('writes Consul’s serfHealth check', () => {
    const op = reconcileMember(member('n1', 'failed'), 'status', view(), context);
    assert.equal(op?.kind, 'register');
    if (op?.kind !== 'register') return;
    assert.equal(op.request.Check?.CheckID, 'serfHealth');
    assert.equal(op.request.Check?.Name, 'Serf Health Status');
    assert.equal(op.request.Check?.Output, 'Agent not live or unreachable');
    assert.equal(op.request.Address, '10.0.0.9');
  });
});

describe('reconcileAll', () => {
  it('deregisters catalog nodes with a serfHealth check that the pool forgot, and leaves others alone', () => {
    const catalog = new Map([
      ['n1', view()],
      ['gone', view({ name: 'gone' })],
      ['external', view({ name: 'external', serfHealth: null })],
    ]);
    const ops = reconcileAll([member('n1', 'alive'), member('x', 'alive', { dc: 'dc2' })], catalog, context);
    assert.deepEqual(
      ops.map((op) => `${op.kind}:${op.request.Node}`),
      ['deregister:gone'],
    );
  });
});
