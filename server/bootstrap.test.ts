// Proves the bootstrap_expect decision as a table (Consul maybeBootstrap): wait below the expected count, ask the
// peers once it is reached, bootstrap with the same sorted list on every server only when no peer has Raft
// peers, and never bootstrap twice (own Raft state, already decided, a peer with a configuration, a bootstrap-
// mode server). Also reads server tags back from gossip members.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMember } from '../gossip/serf/members.js';
import { type BootstrapInput, decideBootstrap, readServerTags, serverTags } from './bootstrap.js';

const server = (n: number, overrides: Partial<SerfMember> = {}, tags: Record<string, string> = {}): SerfMember => ({
  name: `s${n}`,
  address: `10.0.0.${n}:8301`,
  status: 'alive',
  statusChangeMs: 0,
  tags: {
    ...serverTags({
      datacenter: 'dc1',
      nodeId: `id-${n}`,
      serverPort: 8300,
      bootstrapExpect: 3,
      bootstrap: false,
      build: 'x',
    }),
    ...tags,
  },
  ...overrides,
});
const client = (n: number): SerfMember => ({
  name: `c${n}`,
  address: `10.0.1.${n}:8301`,
  status: 'alive',
  statusChangeMs: 0,
  tags: { role: 'node', dc: 'dc1' },
});

const base: BootstrapInput = { datacenter: 'dc1', expect: 3, hasRaftState: false, decided: false, members: [] };
const three = [server(3), server(1), server(2), client(1)];
const noPeers = new Map([
  ['id-1', 0],
  ['id-2', 0],
  ['id-3', 0],
]);

describe('decideBootstrap', () => {
  const table: { name: string; input: BootstrapInput; kind: string; detail?: (decision: unknown) => void }[] = [
    { name: 'too few servers: wait', input: { ...base, members: [server(1), server(2), client(1)] }, kind: 'wait' },
    {
      name: 'a failed server does not count',
      input: { ...base, members: [server(1), server(2), server(3, { status: 'failed' })] },
      kind: 'wait',
    },
    {
      name: 'servers of another datacenter do not count',
      input: { ...base, members: [server(1), server(2), server(3, {}, { dc: 'dc2' })] },
      kind: 'wait',
    },
    {
      name: 'a server expecting another count: wait (Consul logs the mismatch)',
      input: { ...base, members: [server(1), server(2), server(3, {}, { expect: '5' })] },
      kind: 'wait',
    },
    { name: 'enough servers: ask their peers first', input: { ...base, members: three }, kind: 'query' },
    {
      name: 'no peer has a configuration: bootstrap with the sorted list',
      input: { ...base, members: three, peerCounts: noPeers },
      kind: 'bootstrap',
      detail: (decision) =>
        assert.deepEqual((decision as { voters: unknown }).voters, [
          { id: 'id-1', address: '10.0.0.1:8300' },
          { id: 'id-2', address: '10.0.0.2:8300' },
          { id: 'id-3', address: '10.0.0.3:8300' },
        ]),
    },
    {
      name: 'a peer already has Raft peers: join it, never bootstrap',
      input: { ...base, members: three, peerCounts: new Map([...noPeers, ['id-2', 3]]) },
      kind: 'join-existing',
    },
    {
      name: 'a peer did not answer: wait',
      input: { ...base, members: three, peerCounts: new Map([...noPeers, ['id-2', null]]) },
      kind: 'wait',
    },
    {
      name: 'own Raft state: never bootstrap again',
      input: { ...base, members: three, hasRaftState: true, peerCounts: noPeers },
      kind: 'join-existing',
    },
    {
      name: 'already decided in this process: never twice',
      input: { ...base, members: three, decided: true, peerCounts: noPeers },
      kind: 'done',
    },
    {
      name: 'a server in bootstrap mode exists: join it',
      input: { ...base, members: [...three, server(4, {}, { bootstrap: '1' })] },
      kind: 'join-existing',
    },
    { name: 'not in expect mode', input: { ...base, expect: 0, members: three }, kind: 'done' },
  ];
  for (const row of table) {
    it(row.name, () => {
      const decision = decideBootstrap(row.input);
      assert.equal(decision.kind, row.kind, JSON.stringify(decision));
      row.detail?.(decision);
    });
  }

  it('gives every server the same list whatever order its pool lists members in', () => {
    const a = decideBootstrap({ ...base, members: [server(1), server(2), server(3)], peerCounts: noPeers });
    const b = decideBootstrap({ ...base, members: [server(3), server(2), server(1)], peerCounts: noPeers });
    assert.deepEqual(a, b);
  });
});

describe('readServerTags', () => {
  it('reads role=consul members, IPv4 and IPv6, and ignores clients and bad ports', () => {
    assert.equal(readServerTags(server(1))?.rpcAddress, '10.0.0.1:8300');
    assert.equal(readServerTags({ ...server(1), address: '[::1]:8301' })?.rpcAddress, '[::1]:8300');
    assert.equal(readServerTags(client(1)), null);
    assert.equal(readServerTags(server(1, {}, { port: 'x' })), null);
  });
});
