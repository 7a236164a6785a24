// Proves the consul/raft sections of agent Stats against Consul's and hashicorp/raft's keys and value formats:
// string values, Leader/Follower/Candidate, num_peers counting other voters only (0 for a non-voter), the
// latest_configuration text, last_contact as 0 / never / a Go duration, and a client's known_servers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RaftConfiguration, RaftStats } from '../../raft/node.js';
import { clientStats, goDuration, type ServerStatsInput, serverStats } from './control-plane-stats.js';

const configuration: RaftConfiguration = {
  voters: ['id-a', 'id-b', 'id-c'],
  nonvoters: ['id-d'],
  addresses: { 'id-a': '10.0.0.1:8300', 'id-b': '10.0.0.2:8300', 'id-c': '10.0.0.3:8300', 'id-d': '10.0.0.4:8300' },
};

function raftStats(role: RaftStats['role']): RaftStats {
  return {
    id: 'id-a',
    role,
    term: 7,
    leaderId: 'id-b',
    commitIndex: 120,
    appliedIndex: 118,
    lastIndex: 121,
    snapshotIndex: 64,
    snapshotsTaken: 1,
    snapshotsInstalled: 0,
    voters: configuration.voters,
    nonvoters: configuration.nonvoters,
    pendingProposals: 0,
    pendingReads: 0,
    transport: {} as RaftStats['transport'],
    marks: {},
  };
}

const input = (overrides: Partial<ServerStatsInput>): ServerStatsInput => ({
  localId: 'id-a',
  isLeader: false,
  leaderAddress: '10.0.0.2:8300',
  bootstrap: false,
  knownDatacenters: 2,
  aclEnabled: false,
  raft: { stats: raftStats('follower'), configuration },
  lastContactMs: 42,
  ...overrides,
});

describe('agent Stats: consul and raft sections', () => {
  it("a follower's sections, in Consul's keys and string values", () => {
    assert.deepEqual(serverStats(input({})), {
      consul: {
        server: 'true',
        leader: 'false',
        leader_addr: '10.0.0.2:8300',
        bootstrap: 'false',
        known_datacenters: '2',
        acl: 'disabled',
      },
      raft: {
        state: 'Follower',
        term: '7',
        last_log_index: '121',
        commit_index: '120',
        applied_index: '118',
        last_snapshot_index: '64',
        last_contact: '42ms',
        num_peers: '2',
        latest_configuration:
          '[{Suffrage:Voter ID:id-a Address:10.0.0.1:8300} {Suffrage:Voter ID:id-b Address:10.0.0.2:8300} ' +
          '{Suffrage:Voter ID:id-c Address:10.0.0.3:8300} {Suffrage:Nonvoter ID:id-d Address:10.0.0.4:8300}]',
        protocol_version: '3',
      },
    });
  });

  it('a leader reports last_contact 0; a campaigning server reads as Candidate; never heard reads never', () => {
    const leader = serverStats(input({ isLeader: true, raft: { stats: raftStats('leader'), configuration } }));
    assert.equal(leader['consul']?.['leader'], 'true');
    assert.equal(leader['raft']?.['state'], 'Leader');
    assert.equal(leader['raft']?.['last_contact'], '0');
    const campaigning = serverStats(
      input({ raft: { stats: raftStats('pre-candidate'), configuration }, lastContactMs: -1 }),
    );
    assert.equal(campaigning['raft']?.['state'], 'Candidate');
    assert.equal(campaigning['raft']?.['last_contact'], 'never');
  });

  it('a non-voter has num_peers 0; before Raft runs there is no raft section; acl enabled shows', () => {
    assert.equal(serverStats(input({ localId: 'id-d' }))['raft']?.['num_peers'], '0');
    const waiting = serverStats(input({ raft: null, leaderAddress: '', aclEnabled: true, bootstrap: true }));
    assert.deepEqual(Object.keys(waiting), ['consul']);
    assert.equal(waiting['consul']?.['acl'], 'enabled');
    assert.equal(waiting['consul']?.['bootstrap'], 'true');
    assert.equal(waiting['consul']?.['leader_addr'], '');
  });

  it('a client reports server=false and its known servers', () => {
    assert.deepEqual(clientStats(3, false), { consul: { server: 'false', known_servers: '3', acl: 'disabled' } });
  });

  it("formats durations as Go's time.Duration", () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(250), '250ms');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(2000), '2s');
    assert.equal(goDuration(123_004), '2m3.004s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
  });
});
