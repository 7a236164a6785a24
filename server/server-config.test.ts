// Proves how serverConfigFromAgent turns an agent's settings into Raft timing and autopilot settings: the leader
// speaks to each follower at least every 50 ms whatever raft_multiplier is (as hashicorp/raft's CommitTimeout
// replication does), the election timeout stays the agent's, and autopilot starts from the agent's `autopilot`
// block, so the default last contact threshold is Consul's 200 ms on real servers too.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AgentServerSettings, raftLeaderContactIntervalMsMax, serverConfigFromAgent } from './server-config.js';

const consulAutopilotDefaults = {
  cleanupDeadServers: true,
  lastContactThresholdMs: 200,
  maxTrailingLogs: 250,
  serverStabilizationTimeMs: 10_000,
};

function agent(electionTimeoutMs: number, overrides: Partial<AgentServerSettings> = {}): AgentServerSettings {
  return {
    devMode: false,
    bootstrap: false,
    bootstrapExpect: 3,
    datacenter: 'dc1',
    nodeName: 'server-1',
    nodeId: '11111111-2222-3333-4444-555555555555',
    dataDir: '/var/lib/lattice',
    bindAddr: '10.0.0.1',
    advertiseAddr: '10.0.0.1',
    ports: { server: 8300 },
    raft: { electionTimeoutMs, snapshotThreshold: 16_384, snapshotIntervalMs: 30_000, trailingLogs: 10_240 },
    autopilot: consulAutopilotDefaults,
    maxQueryTimeMs: 600_000,
    defaultQueryTimeMs: 300_000,
    rpcHoldTimeoutMs: 7_000,
    ...overrides,
  };
}

describe('serverConfigFromAgent', () => {
  const cases = [
    { name: 'raft_multiplier 5 (the default)', electionTimeoutMs: 5_000 },
    { name: 'raft_multiplier 1', electionTimeoutMs: 1_000 },
    { name: 'raft_multiplier 10', electionTimeoutMs: 10_000 },
  ];
  for (const { name, electionTimeoutMs } of cases) {
    it(`keeps the leader's contact interval within 50 ms and the election timeout at ${name}`, () => {
      const config = serverConfigFromAgent(agent(electionTimeoutMs));
      const contactIntervalMs = config.raftTickMs * config.raftHeartbeatTicks;
      assert.ok(contactIntervalMs <= raftLeaderContactIntervalMsMax, `contact every ${contactIntervalMs} ms`);
      assert.equal(config.raftTickMs * config.raftElectionTicks, electionTimeoutMs);
      assert.ok(config.raftElectionTicks >= 10);
      assert.equal(config.autopilot.lastContactThresholdMs, 200);
      assert.ok(
        config.autopilot.lastContactThresholdMs >= 4 * contactIntervalMs,
        'the threshold allows a few late heartbeats',
      );
    });
  }

  it('keeps -dev timings: 10 ms ticks, ten of them to an election', () => {
    const config = serverConfigFromAgent(agent(52, { devMode: true }));
    assert.deepEqual([config.raftTickMs, config.raftElectionTicks, config.raftHeartbeatTicks], [10, 10, 1]);
  });

  it("takes autopilot's settings from the agent's autopilot block", () => {
    const autopilot = {
      cleanupDeadServers: false,
      lastContactThresholdMs: 1_000,
      maxTrailingLogs: 10,
      serverStabilizationTimeMs: 30_000,
    };
    const config = serverConfigFromAgent(agent(5_000, { autopilot }));
    assert.deepEqual(
      [
        config.autopilot.cleanupDeadServers,
        config.autopilot.lastContactThresholdMs,
        config.autopilot.maxTrailingLogs,
        config.autopilot.serverStabilizationTimeMs,
      ],
      [false, 1_000, 10, 30_000],
    );
  });
});
