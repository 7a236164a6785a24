// Proves autopilot's pure decisions as tables: health from last contact, term, trailing index and gossip status;
// StableSince kept across passes; a non-voter promoted only after server_stabilization_time; dead servers removed
// (left at once, failed after the grace) but never below quorum and never the leader; the health and state
// replies in Consul's shapes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assessServers,
  autopilotActions,
  autopilotDefaults,
  autopilotReply,
  autopilotStateReply,
  goDuration,
  goTime,
  type ServerObservation,
} from './autopilot.js';

const config = { ...autopilotDefaults, serverStabilizationTimeMs: 10_000, deadServerGraceMs: 60_000 };
const stats = (overrides = {}) => ({
  ID: 'x',
  Node: 'x',
  Address: 'x',
  State: 'follower' as const,
  LastTerm: 5,
  LastIndex: 100,
  AppliedIndex: 100,
  LastContactMs: 50,
  PeerCount: 3,
  ...overrides,
});
const observe = (id: string, overrides: Partial<ServerObservation> = {}): ServerObservation => ({
  id,
  name: id,
  address: `${id}:8300`,
  voter: true,
  leader: false,
  serfStatus: 'alive',
  serfStatusSinceMs: 0,
  stats: stats(),
  ...overrides,
});
const leader = { term: 5, lastIndex: 100 };

describe('assessServers', () => {
  const table: { name: string; server: ServerObservation; healthy: boolean }[] = [
    { name: 'in contact and caught up', server: observe('a'), healthy: true },
    { name: 'last contact too old', server: observe('a', { stats: stats({ LastContactMs: 5_000 }) }), healthy: false },
    {
      name: 'never heard from the leader',
      server: observe('a', { stats: stats({ LastContactMs: -1 }) }),
      healthy: false,
    },
    { name: 'older term', server: observe('a', { stats: stats({ LastTerm: 4 }) }), healthy: false },
    { name: 'too far behind', server: observe('a', { stats: stats({ LastIndex: 100 - 251 }) }), healthy: false },
    { name: 'did not answer', server: observe('a', { stats: null }), healthy: false },
    { name: 'gossip says failed', server: observe('a', { serfStatus: 'failed' }), healthy: false },
    {
      name: 'the leader itself',
      server: observe('a', { leader: true, stats: stats({ LastContactMs: -1 }) }),
      healthy: true,
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const [health] = assessServers([row.server], leader, new Map(), config, 1_000);
      assert.equal(health?.healthy, row.healthy);
    });
  }

  it('keeps StableSince while health does not change', () => {
    const first = assessServers([observe('a')], leader, new Map(), config, 1_000);
    const second = assessServers([observe('a')], leader, new Map(first.map((h) => [h.id, h])), config, 5_000);
    assert.equal(second[0]?.stableSinceMs, 1_000);
    const third = assessServers(
      [observe('a', { stats: null })],
      leader,
      new Map(second.map((h) => [h.id, h])),
      config,
      6_000,
    );
    assert.equal(third[0]?.stableSinceMs, 6_000);
  });
});

describe('autopilotActions', () => {
  const run = (servers: ServerObservation[], nowMs: number, stableSinceMs = 0) => {
    const health = assessServers(servers, leader, new Map(), config, stableSinceMs);
    return autopilotActions(health, new Map(servers.map((s) => [s.id, s])), config, nowMs);
  };

  it('promotes a healthy non-voter only after the stabilization time', () => {
    const servers = [observe('l', { leader: true }), observe('a'), observe('b'), observe('n', { voter: false })];
    assert.deepEqual(run(servers, 5_000).promote, []);
    assert.deepEqual(run(servers, 10_000).promote, ['n']);
  });

  it('removes a left server at once and a failed one after the grace', () => {
    const servers = [
      observe('l', { leader: true }),
      observe('a'),
      observe('b'),
      observe('c'),
      observe('left', { serfStatus: 'left', stats: null }),
    ];
    assert.deepEqual(run(servers, 1_000).remove, ['left']);
    const failed = [
      observe('l', { leader: true }),
      observe('a'),
      observe('b'),
      observe('f', { serfStatus: 'failed', stats: null }),
    ];
    assert.deepEqual(run(failed, 30_000).remove, []);
    assert.deepEqual(run(failed, 60_000).remove, ['f']);
  });

  it('never removes so many voters that the rest lose quorum, nor the leader', () => {
    const servers = [
      observe('l', { leader: true, serfStatus: 'failed' }),
      observe('f1', { serfStatus: 'failed', stats: null }),
      observe('f2', { serfStatus: 'failed', stats: null }),
    ];
    const removed = run(servers, 120_000).remove;
    assert.equal(removed.length, 1, 'three voters allow one removal');
    assert.ok(!removed.includes('l'));
  });

  it('does nothing to dead servers when cleanup is off', () => {
    const servers = [observe('l', { leader: true }), observe('f', { serfStatus: 'left' })];
    const health = assessServers(servers, leader, new Map(), config, 0);
    const actions = autopilotActions(
      health,
      new Map(servers.map((s) => [s.id, s])),
      { ...config, cleanupDeadServers: false },
      1e9,
    );
    assert.deepEqual(actions.remove, []);
  });
});

describe('autopilotReply', () => {
  it('answers in Consul’s shape with the failure tolerance', () => {
    const health = assessServers(
      [observe('l', { leader: true }), observe('a'), observe('b')],
      leader,
      new Map(),
      config,
      0,
    );
    const reply = autopilotReply(health, (ms) => 1_700_000_000_000 + ms);
    assert.equal(reply.Healthy, true);
    assert.equal(reply.FailureTolerance, 1);
    assert.equal(reply.Servers[1]?.['LastContact'], '50ms');
    assert.equal(goDuration(1_500), '1.5s');
  });
});

describe('autopilotStateReply', () => {
  it('keys servers by ID with their Raft role, node status, version and catalog meta', () => {
    const health = assessServers(
      [
        observe('l', { leader: true }),
        observe('b', { serfStatus: 'leaving' }),
        observe('a', { voter: false, stats: stats({ LastContactMs: 12 }) }),
        observe('c', { serfStatus: 'failed', stats: null }),
        observe('d', { serfStatus: 'none', voter: false, stats: null }),
      ],
      leader,
      new Map(),
      config,
      1_000,
    );
    const reply = autopilotStateReply(
      health,
      (id) => ({ version: id === 'l' ? '1.15.2' : '', meta: id === 'd' ? null : { z: '1', a: id } }),
      (ms) => Date.UTC(2026, 0, 2, 3, 4, 5) + ms - 1_000,
    );
    assert.deepEqual(Object.keys(reply.Servers), ['a', 'b', 'c', 'd', 'l'], 'sorted by ID as Go encodes a map');
    assert.equal(reply.Leader, 'l');
    assert.deepEqual(reply.Voters, ['l', 'b', 'c']);
    // Voters l, b (leaving counts as alive for the node status, but gossip is not alive: unhealthy) and c (failed).
    assert.deepEqual([reply.Healthy, reply.FailureTolerance, reply.OptimisticFailureTolerance], [false, 0, 0]);
    assert.deepEqual(reply.Servers['l'], {
      ID: 'l',
      Name: 'l',
      Address: 'l:8300',
      NodeStatus: 'alive',
      Version: '1.15.2',
      LastContact: '0s',
      LastTerm: 5,
      LastIndex: 100,
      Healthy: true,
      StableSince: '2026-01-02T03:04:05Z',
      ReadReplica: false,
      Status: 'leader',
      Meta: { a: 'l', z: '1' },
      NodeType: 'voter',
    });
    assert.deepEqual(Object.keys(reply.Servers['l']?.Meta ?? {}), ['a', 'z']);
    const summary = (id: string) => {
      const server = reply.Servers[id];
      return [server?.Status, server?.NodeStatus, server?.Healthy, server?.LastContact];
    };
    assert.deepEqual(summary('a'), ['non-voter', 'alive', true, '12ms']);
    assert.deepEqual(summary('b'), ['voter', 'alive', false, '50ms']);
    assert.deepEqual(summary('c'), ['voter', 'failed', false, '0s']);
    assert.deepEqual(summary('d'), ['non-voter', 'unknown', false, '0s']);
    assert.equal(reply.Servers['d']?.Meta, null, 'no catalog node yet: null, as Consul');
  });

  it('counts the failure tolerance from healthy voters', () => {
    const five = ['l', 'a', 'b', 'c', 'd'].map((id) => observe(id, { leader: id === 'l' }));
    const reply = autopilotStateReply(
      assessServers(five, leader, new Map(), config, 0),
      () => ({ version: '', meta: {} }),
      (ms) => ms,
    );
    assert.deepEqual([reply.Healthy, reply.FailureTolerance], [true, 2]);
    assert.equal(goTime(Date.UTC(2026, 0, 2, 3, 4, 5, 120)), '2026-01-02T03:04:05.12Z');
  });
});
