// Proves managed proxies through the real binary: `lattice agent -dev` on 127.0.0.96 loads two services with
// sidecars from config files (web, whose sidecar binds the upstream `api` on 127.0.0.96:19191, and api), hosts both
// sidecars' listeners itself, and carries HTTP from web's upstream to the api app over mTLS; a deny intention
// web → api makes new connections fail within a deadline, and deleting it lets traffic through again.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, startLattice, waitFor } from './helpers/lattice-process.js';
import { getOnNewConnection, MeshApps } from './helpers/mesh-apps.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const address = '127.0.0.96';
const base = `http://${address}:8500`;
const upstreamPort = 19191;
const apps = new MeshApps(address);
let agent: LatticeProcess | null = null;
let dir: TempDir | null = null;

/** One GET through web's upstream listener on a new connection: the body, or null when the connection failed. */
const throughUpstream = () => getOnNewConnection(address, upstreamPort);

function serviceFile(name: string, port: number, upstreams: string): string {
  return `service {
  name = "${name}"
  id   = "${name}"
  address = "${address}"
  port = ${port}
  connect {
    sidecar_service {
      address = "${address}"
      proxy {
        local_service_address = "${address}"
        ${upstreams}
      }
    }
  }
}
`;
}

describe('managed sidecar proxies through a -dev agent', () => {
  before(async () => {
    const webPort = await apps.start('web');
    const apiPort = await apps.start('api');
    dir = await makeTempDir({
      'web.hcl': serviceFile(
        'web',
        webPort,
        `upstreams = [{ destination_name = "api", local_bind_address = "${address}", local_bind_port = ${upstreamPort} }]`,
      ),
      'api.hcl': serviceFile('api', apiPort, ''),
    });
    agent = startLattice([
      'agent',
      '-dev',
      `-bind=${address}`,
      `-client=${address}`,
      `-config-file=${dir.file('web.hcl')}`,
      `-config-file=${dir.file('api.hcl')}`,
    ]);
    await waitFor(
      async () => {
        if (agent?.hasExited) throw new Error(`lattice exited\n${agent.output}`);
        const response = await fetch(`${base}/v1/agent/services`).catch(() => null);
        return response?.ok ?? false;
      },
      { what: 'a -dev agent answering HTTP', deadlineMs: 30_000 },
    );
  });

  after(async () => {
    if (agent && !agent.hasExited) await agent.stop().catch(() => agent?.kill());
    await apps.close();
    await dir?.remove();
  });

  it('carries HTTP from web to api through both sidecars', async () => {
    await waitFor(async () => (await throughUpstream()) === 'hello from api', {
      what: `api through web's upstream\n${agent?.output ?? ''}`,
      deadlineMs: 45_000,
    });
  });

  it('refuses new connections under a deny intention and passes again once it is deleted', async () => {
    const exact = `${base}/v1/connect/intentions/exact?source=web&destination=api`;
    const created = await fetch(exact, { method: 'PUT', body: JSON.stringify({ Action: 'deny' }) });
    assert.equal(await created.text(), 'true');
    await waitFor(async () => (await throughUpstream()) === null, { what: 'the deny to refuse connections' });
    const deleted = await fetch(exact, { method: 'DELETE' });
    assert.equal(deleted.status, 200, await deleted.text());
    await waitFor(async () => (await throughUpstream()) === 'hello from api', { what: 'traffic after the delete' });
  });
});
