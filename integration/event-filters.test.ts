// Proves Consul's event filters across two real agents (127.0.0.122 server "alpha", 127.0.0.123 client "beta"):
// every agent receives every user event over gossip, but records, and lists, only the events whose node, service
// and tag filters match it (service by instance ID, tag on that instance). Events are fired on alpha only, so
// beta's copies can only have come through gossip. Every wait has a deadline; nothing sleeps.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, RetryableError, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const alpha = 'http://127.0.0.122:8500';
const beta = 'http://127.0.0.123:8500';
const agents: LatticeProcess[] = [];
let betaDir: TempDir;

async function register(base: string, body: object): Promise<void> {
  const response = await fetch(`${base}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

async function fire(query: string): Promise<string> {
  const response = await fetch(`${alpha}/v1/event/fire/deploy?${query}`, { method: 'PUT', body: query });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return (JSON.parse(text) as { ID: string }).ID;
}

async function listed(base: string): Promise<string[]> {
  const response = await fetch(`${base}/v1/event/list?name=deploy`);
  if (!response.ok) throw new RetryableError(`HTTP ${response.status}`);
  return ((await response.json()) as { ID: string }[]).map((event) => event.ID);
}

before(async () => {
  betaDir = await makeTempDir();
  agents.push(startLattice(['agent', '-dev', '-bind=127.0.0.122', '-client=127.0.0.122', '-node=alpha']));
  agents.push(
    startLattice([
      'agent',
      `-data-dir=${betaDir.path}`,
      '-bind=127.0.0.123',
      '-client=127.0.0.123',
      '-node=beta',
      '-retry-join=127.0.0.122',
      '-retry-interval=1s',
    ]),
  );
  await waitForHttp(`${alpha}/v1/agent/self`, { process: agents[0] as LatticeProcess });
  await waitForHttp(`${beta}/v1/agent/self`, { process: agents[1] as LatticeProcess });
  await waitFor(async () => ((await (await fetch(`${beta}/v1/agent/members`)).json()) as unknown[]).length === 2, {
    what: 'beta to join alpha',
    deadlineMs: 30_000,
  });
  await register(alpha, { Name: 'web', ID: 'web-1', Port: 8080, Tags: ['primary'] });
  await register(beta, { Name: 'api', ID: 'api-blue', Port: 9090, Tags: ['canary', 'v2'] });
});

after(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGINT').catch(() => agent.kill())));
  await betaDir?.remove();
});

describe('user event filters across agents', () => {
  it('records an event only on the agents its node, service and tag filters match', async () => {
    const both = await fire('');
    const betaByNode = await fire('node=^beta$');
    const betaByService = await fire('service=^api-blue$');
    const betaByTag = await fire('service=^api&tag=^canary$');
    const alphaByService = await fire('service=web');
    const nobodyByServiceName = await fire('service=^api$'); // the name matches, the instance ID does not
    const nobodyByTag = await fire('service=api&tag=^primary$'); // the tag is on alpha's web, not on api
    const alphaByNode = await fire('node=^alph');
    // Fired last: once both agents list it, the earlier broadcasts have had their turn on the gossip queue.
    const marker = await fire('node=.');

    const alphaSees = await waitFor(async () => ((await listed(alpha)).includes(marker) ? listed(alpha) : null), {
      what: 'the marker event on alpha',
    });
    const betaSees = await waitFor(
      async () => {
        const ids = await listed(beta);
        return ids.includes(marker) && ids.includes(betaByTag) ? ids : null;
      },
      { what: 'the filtered events on beta', deadlineMs: 30_000 },
    );

    assert.deepEqual(
      new Set(alphaSees),
      new Set([both, alphaByService, alphaByNode, marker]),
      'alpha keeps the unfiltered event and those matching its node name or its web-1 instance',
    );
    assert.deepEqual(
      new Set(betaSees),
      new Set([both, betaByNode, betaByService, betaByTag, marker]),
      'beta keeps the unfiltered event and those matching its node name or its api-blue instance and tag',
    );
    for (const id of [nobodyByServiceName, nobodyByTag])
      assert.ok(!alphaSees.includes(id) && !betaSees.includes(id), `no agent keeps ${id}`);
  });
});
