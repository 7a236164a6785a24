// Proves certificates change under load without a failed request: two loops send HTTP through web → api while the
// leaves are re-issued and while the CA root rotates (new root cross-signed by the old one, leaves re-issued from
// the new signer one service at a time); a keep-alive connection opened before the changes keeps working after.

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { rotateRoot } from '../connect/index.js';
import { httpRequest, makeCa, mintLeaf, TRUST_DOMAIN, waitFor } from './testing/mesh-fixture.js';
import { type MeshPair, startMeshPair } from './testing/mesh-pair.js';

interface Traffic {
  readonly ok: () => number;
  readonly failures: string[];
  stop(): Promise<void>;
}

function steadyTraffic(port: number, loops: number): Traffic {
  let ok = 0;
  let running = true;
  const failures: string[] = [];
  const loop = async (worker: number) => {
    for (let turn = 0; running; turn += 1) {
      try {
        const answer = await httpRequest(port, `/w${worker}/${turn}`);
        if (answer.status === 200 && answer.body.startsWith('api GET')) ok += 1;
        else failures.push(`status ${answer.status}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const workers = Array.from({ length: loops }, (_, worker) => loop(worker));
  return {
    ok: () => ok,
    failures,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Lets the traffic run until `count` more requests have succeeded. */
async function moreRequests(traffic: Traffic, count: number, what: string): Promise<void> {
  const target = traffic.ok() + count;
  await waitFor(() => traffic.ok() >= target || traffic.failures.length > 0, what, 20_000);
  assert.deepEqual(traffic.failures, []);
}

describe('certificate rotation under steady traffic', () => {
  let mesh: MeshPair;
  before(async () => {
    mesh = await startMeshPair();
  });
  after(async () => mesh.close());

  it('swaps both leaves with zero failed requests and keeps open connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal((await httpRequest(mesh.upstreamPort, '/held', { agent })).status, 200);
    const traffic = steadyTraffic(mesh.upstreamPort, 4);
    await moreRequests(traffic, 20, 'traffic before rotation');
    mesh.source.setLeaf('api', await mintLeaf(mesh.ca, 'api'));
    await moreRequests(traffic, 20, 'traffic after the api leaf rotated');
    mesh.source.setLeaf('web', await mintLeaf(mesh.ca, 'web'));
    await moreRequests(traffic, 20, 'traffic after the web leaf rotated');
    await traffic.stop();
    assert.deepEqual(traffic.failures, []);
    assert.equal((await httpRequest(mesh.upstreamPort, '/held', { agent })).status, 200);
    assert.equal(mesh.api.stats().inbound.results.revoked ?? 0, 0);
    agent.destroy();
  });

  it('rotates the CA root with zero failed requests', async () => {
    const next = await makeCa(2);
    const rotation = await rotateRoot([mesh.ca.root], mesh.ca.signer, next.signer, 2, Date.now());
    const traffic = steadyTraffic(mesh.upstreamPort, 4);
    await moreRequests(traffic, 20, 'traffic before the root rotation');
    // The roots watch delivers the old root (now inactive) and the new one together.
    mesh.source.setRoots({ trustDomain: TRUST_DOMAIN, rootPems: rotation.roots.map((root) => root.RootCert) });
    await moreRequests(traffic, 20, 'traffic after the new root is trusted');
    mesh.source.setLeaf('api', await mintLeaf(rotation, 'api'));
    await moreRequests(traffic, 20, 'traffic with api on a new-root leaf and web on an old one');
    mesh.source.setLeaf('web', await mintLeaf(rotation, 'web'));
    await moreRequests(traffic, 20, 'traffic with both leaves from the new root');
    // Once every leaf comes from the new root, the old one is pruned.
    mesh.source.setRoots({ trustDomain: TRUST_DOMAIN, rootPems: [next.root.RootCert] });
    await moreRequests(traffic, 20, 'traffic after the old root is pruned');
    await traffic.stop();
    assert.deepEqual(traffic.failures, []);
    assert.ok(traffic.ok() >= 100);
  });
});
