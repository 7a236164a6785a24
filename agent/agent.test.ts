// Proves the Agent's lifecycle on real sockets: start binds gossip and the HTTP API (free ports here, so tests never
// collide), writes the PID file, and stop closes the listeners and removes the file.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { silentLogger } from '../lib/log.js';
import { Agent } from './agent.js';
import { testEnvironment, writeConfigDir } from './config/testing.js';
import type { AgentConfig } from './config/types.js';
import { validateConfig } from './config/validate.js';

const build = { version: '0.1.0', consulVersion: '1.20.0', revision: '', buildDate: '2026-01-01T00:00:00Z' };

describe('Agent', () => {
  it('serves /v1/agent/self while running and cleans up on stop', async () => {
    const dir = await writeConfigDir({});
    const pidFile = dir.file('agent.pid');
    const result = validateConfig(
      [{ sourceName: 'test', values: { bind_addr: '127.0.0.2', client_addr: '127.0.0.2', pid_file: pidFile } }],
      { devMode: true, environment: testEnvironment },
    );
    assert.deepEqual(result.errors, []);
    // Port 0 (a free port) is refused in config files but is what a test wants.
    // Gossip on free ports too (LAN and WAN), so this test never meets another agent on 127.0.0.2:8301/8302.
    const config: AgentConfig = {
      ...result.config!,
      ports: { ...result.config!.ports, http: 0, serfLan: 0, serfWan: 0, dns: -1 },
    };
    const agent = new Agent({ log: silentLogger(), build, pid: 4242 }, config);
    await agent.start();
    try {
      assert.equal(readFileSync(pidFile, 'utf8'), '4242\n');
      const [address] = agent.httpAddresses;
      assert.match(address ?? '', /^127\.0\.0\.2:\d+$/);
      const response = await fetch(`http://${address}/v1/agent/self`, { signal: AbortSignal.timeout(5000) });
      assert.equal(response.status, 200);
      const self = (await response.json()) as {
        Config: { NodeName: string };
        Member: { Name: string; Status: number };
      };
      assert.equal(self.Config.NodeName, 'test-host');
      assert.deepEqual([self.Member.Name, self.Member.Status], ['test-host', 1], 'the member comes from gossip');
      const members = (await (await fetch(`http://${address}/v1/agent/members`)).json()) as unknown[];
      assert.equal(members.length, 1);
    } finally {
      await agent.stop();
      await agent.stop(); // a second stop is a no-op
    }
    assert.equal(existsSync(pidFile), false);
    await dir.remove();
  });

  it('refuses to start an HTTPS listener it cannot serve yet', async () => {
    const result = validateConfig([{ sourceName: 'test', values: { ports: { http: -1 } } }], {
      devMode: true,
      environment: testEnvironment,
    });
    // Config validation refuses ports.https (security-refusals.ts); the listener refuses it again if one gets here.
    const config: AgentConfig = { ...result.config!, ports: { ...result.config!.ports, https: 8501 } };
    const agent = new Agent({ log: silentLogger(), build }, config);
    await assert.rejects(agent.start(), { name: 'NotImplementedError' });
    await agent.stop();
  });

  it('allows script checks from anywhere with enable_script_checks, from this host only with the local switch', () => {
    const make = (values: Record<string, unknown>) =>
      new Agent(
        { log: silentLogger(), build },
        validateConfig([{ sourceName: 'test', values }], { devMode: true, environment: testEnvironment }).config!,
      );
    const off = make({});
    const local = make({ enable_local_script_checks: true });
    const all = make({ enable_script_checks: true });
    const from = (agent: Agent) =>
      ['127.0.0.1', '::1', '::ffff:127.0.0.9', '10.0.0.5'].map((address) => agent.scriptChecksAllowed(address));
    assert.deepEqual(from(off), [false, false, false, false]);
    assert.deepEqual(from(local), [true, true, true, false]);
    assert.deepEqual(from(all), [true, true, true, true]);
  });

  it('leaves on signals by role: clients on both, servers on neither (Consul defaults)', () => {
    const make = (server: boolean) =>
      new Agent(
        { log: silentLogger(), build },
        validateConfig([{ sourceName: 'test', values: { server, bootstrap: server } }], {
          devMode: true,
          environment: testEnvironment,
        }).config ?? assert.fail('config'),
      );
    const client = make(false);
    assert.deepEqual([client.leavesOn('SIGINT'), client.leavesOn('SIGTERM')], [true, true]);
    const server = make(true);
    assert.deepEqual([server.leavesOn('SIGINT'), server.leavesOn('SIGTERM')], [false, false]);
  });
});
