// Proves SIGHUP reloads the agent's configuration as Consul does (systemd's ExecReload=kill -HUP $MAINPID): a
// service added to the -config-dir appears after the signal and the process keeps running; a broken config file
// plus SIGHUP logs the error and the agent keeps running on its previous configuration.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { type LatticeProcess, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const started: LatticeProcess[] = [];
const temporary: TempDir[] = [];
after(async () => {
  for (const process of started) process.kill();
  await Promise.all(temporary.map((dir) => dir.remove()));
});

const address = '127.0.0.210';
const agentServices = `http://${address}:8500/v1/agent/services`;

async function serviceNames(): Promise<string[]> {
  const response = await fetch(agentServices);
  assert.equal(response.status, 200);
  const services = (await response.json()) as Record<string, { Service: string }>;
  return Object.values(services)
    .map((service) => service.Service)
    .sort();
}

describe('lattice agent SIGHUP', () => {
  it('reloads the config dir and keeps running; a broken config is logged and the old config kept', async () => {
    const dir = await makeTempDir({ 'web.json': JSON.stringify({ service: { name: 'web', port: 80 } }) });
    temporary.push(dir);
    const agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, `-config-dir=${dir.path}`]);
    started.push(agent);
    await waitForHttp(agentServices, { process: agent });
    assert.deepEqual(await serviceNames(), ['web']);

    await writeFile(dir.file('api.json'), JSON.stringify({ service: { name: 'api', port: 8080 } }));
    process.kill(agent.pid, 'SIGHUP');
    await waitFor(async () => (await serviceNames()).includes('api'), { what: 'service api after SIGHUP' });
    assert.deepEqual(await serviceNames(), ['api', 'web']);
    assert.equal(agent.hasExited, false, agent.output);
    assert.match(agent.stderr, /Caught signal: hangup/);
    assert.match(agent.stderr, /Reloading configuration\.\.\./);

    await writeFile(dir.file('broken.json'), '{ "service": { "name": ');
    process.kill(agent.pid, 'SIGHUP');
    await agent.waitForOutput(/Reload config failed: .*broken\.json/);
    assert.equal(agent.hasExited, false, agent.output);
    assert.deepEqual(await serviceNames(), ['api', 'web'], 'the previous configuration stays in force');

    const result = await agent.stop('SIGINT');
    assert.equal(result.code, 0, agent.output);
  });
});
