// Proves the autopilot state through the real binary: `lattice agent -dev` on 127.0.0.250 answers
// /v1/operator/autopilot/state in Consul's api.AutopilotState shape (itself the healthy leader, keyed by its node ID,
// its catalog node meta and build version), and `lattice operator autopilot state` prints it in Consul's pretty
// layout and as -format=json.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';

const started: LatticeProcess[] = [];
after(() => {
  for (const process of started) process.kill();
});

const address = '127.0.0.250';
const api = `http://${address}:8500`;

interface StateServer {
  ID: string;
  Name: string;
  Status: string;
  NodeStatus: string;
  Healthy: boolean;
  Version: string;
  Meta: Record<string, string> | null;
  NodeType: string;
  LastContact: string;
  StableSince: string;
}
interface State {
  Healthy: boolean;
  FailureTolerance: number;
  OptimisticFailureTolerance: number;
  Leader: string;
  Voters: string[];
  Servers: Record<string, StateServer>;
}

describe('autopilot state', () => {
  it('answers over HTTP and through the CLI in Consul’s shapes', async () => {
    const agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, '-node=ap-node']);
    started.push(agent);
    await waitForHttp(`${api}/v1/status/leader`, { process: agent });
    // The dev server registers itself in the catalog shortly after it leads: wait until autopilot sees its meta.
    const state = await waitFor(async () => {
      const response = await fetch(`${api}/v1/operator/autopilot/state`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as State;
      return body.Healthy && body.Servers[body.Leader]?.Meta ? body : null;
    });
    const self = (await (await fetch(`${api}/v1/agent/self`)).json()) as { Config: { NodeID: string } };
    const id = self.Config.NodeID;
    assert.deepEqual(Object.keys(state), [
      'Healthy',
      'FailureTolerance',
      'OptimisticFailureTolerance',
      'Servers',
      'Leader',
      'Voters',
    ]);
    assert.deepEqual([state.Leader, state.Voters, state.FailureTolerance], [id, [id], 0]);
    const server = state.Servers[id];
    assert.ok(server, JSON.stringify(state));
    assert.deepEqual(
      [server.Name, server.Status, server.NodeStatus, server.NodeType, server.Healthy, server.LastContact],
      ['ap-node', 'leader', 'alive', 'voter', true, '0s'],
    );
    assert.match(server.Version, /^\d+\.\d+\.\d+/);
    assert.ok('consul-version' in (server.Meta ?? {}), JSON.stringify(server.Meta));
    assert.ok(!Number.isNaN(Date.parse(server.StableSince)));

    const pretty = await runLattice(['operator', 'autopilot', 'state', `-http-addr=${api}`]);
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout, /^Healthy: {22}true\nFailure Tolerance: {12}0\n/);
    assert.match(pretty.stdout, new RegExp(`\\nVoters:\\n {3}${id}\\nServers:\\n {3}${id}\\n {6}Name: {12}ap-node\\n`));
    assert.match(pretty.stdout, / {6}Status: {10}leader\n {6}Node Type: {7}voter\n {6}Node Status: {5}alive\n/);

    const json = await runLattice(['operator', 'autopilot', 'state', '-format=json', `-http-addr=${api}`]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as State).Leader, id);
    assert.match(json.stdout, /^\{\n {4}"Healthy": true,/, 'four-space indent, as Consul');

    const bad = await runLattice(['operator', 'autopilot', 'state', '-format=yaml', `-http-addr=${api}`]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown -format "yaml"/);

    const result = await agent.stop('SIGINT');
    assert.equal(result.code, 0, agent.output);
  });
});
