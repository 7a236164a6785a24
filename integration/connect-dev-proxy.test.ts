// Proves Consul's dev-mode proxy through the real binary: a `lattice agent -dev` on 127.0.0.240 hosts api's
// sidecar (public listener 127.0.0.240:22240, a port outside the default range so no other test's proxy holds it),
// and `lattice connect proxy -service web -upstream api:127.0.0.241:19240`, with no sidecar registered for web and no
// public listener, carries HTTP to api over mTLS with web's leaf from the agent; a deny intention written with
// PUT /v1/connect/intentions refuses new connections and deleting it lets them through. A second dev proxy with
// -listen, -service-addr and -register registers itself as Consul's does (web-proxy, TTL check "proxy heartbeat"),
// serves a caller through its public listener, refuses it once an intention denies it, and deregisters on SIGINT.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { getOnNewConnection, MeshApps } from './helpers/mesh-apps.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const agentHost = '127.0.0.240';
const base = `http://${agentHost}:8500`;
const httpAddr = `-http-addr=${agentHost}:8500`;
const apiSidecarPort = 22240;
const webUpstream = { host: '127.0.0.241', port: 19240 };
const webPublic = { host: '127.0.0.242', port: 22242 };
const callerUpstream = { host: '127.0.0.243', port: 19243 };
const apiApps = new MeshApps(agentHost);
const webApps = new MeshApps(webPublic.host);
const processes: LatticeProcess[] = [];
let dir: TempDir | null = null;

function start(args: readonly string[]): LatticeProcess {
  const process = startLattice(args);
  processes.push(process);
  return process;
}

/** Creates an intention and returns its ID. */
async function createIntention(source: string, destination: string, action: 'allow' | 'deny'): Promise<string> {
  const response = await fetch(`${base}/v1/connect/intentions`, {
    method: 'POST',
    body: JSON.stringify({ SourceName: source, DestinationName: destination, Action: action }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { ID: string }).ID;
}

async function deleteIntention(id: string): Promise<void> {
  const response = await fetch(`${base}/v1/connect/intentions/${id}`, { method: 'DELETE' });
  assert.equal(response.status, 200, await response.text());
}

async function agentServices(): Promise<Record<string, { Kind?: string; Port: number; Address: string }>> {
  return (await (await fetch(`${base}/v1/agent/services`)).json()) as Record<
    string,
    { Kind?: string; Port: number; Address: string }
  >;
}

describe('lattice connect proxy in dev mode (-service, -upstream, -listen, -register)', () => {
  before(async () => {
    const apiPort = await apiApps.start('api');
    dir = await makeTempDir({
      'api.hcl': `service {
  name = "api"
  id = "api"
  address = "${agentHost}"
  port = ${apiPort}
  connect {
    sidecar_service {
      address = "${agentHost}"
      port = ${apiSidecarPort}
      proxy { local_service_address = "${agentHost}" }
    }
  }
}
`,
    });
    const agent = start([
      'agent',
      '-dev',
      `-bind=${agentHost}`,
      `-client=${agentHost}`,
      `-config-file=${dir.file('api.hcl')}`,
    ]);
    await waitForHttp(`${base}/v1/agent/self`, { process: agent, deadlineMs: 30_000 });
  });

  after(async () => {
    for (const process of processes.reverse()) if (!process.hasExited) await process.stop().catch(() => process.kill());
    await apiApps.close();
    await webApps.close();
    await dir?.remove();
  });

  it('reaches api over mTLS from upstream listeners alone, and a deny intention refuses new connections', async () => {
    const proxy = start([
      'connect',
      'proxy',
      '-service',
      'web',
      '-upstream',
      `api:${webUpstream.host}:${webUpstream.port}`,
      httpAddr,
    ]);
    const throughUpstream = () => getOnNewConnection(webUpstream.host, webUpstream.port);
    await waitFor(
      async () => {
        if (proxy.hasExited) throw new Error(`the proxy exited\n${proxy.output}`);
        return (await throughUpstream()) === 'hello from api';
      },
      { what: `api through web's dev-mode upstream\n${proxy.output}`, deadlineMs: 45_000 },
    );
    assert.match(proxy.stdout, /Public listener: Disabled/);
    assert.match(proxy.stdout, /Upstream: api => 127\.0\.0\.241:19240/);
    assert.equal((await agentServices())['web-proxy'], undefined, 'nothing is registered without -register');

    const deny = await createIntention('web', 'api', 'deny');
    await waitFor(async () => (await throughUpstream()) === null, { what: 'the deny to refuse new connections' });
    await deleteIntention(deny);
    await waitFor(async () => (await throughUpstream()) === 'hello from api', { what: 'traffic after the delete' });
    const stopped = await proxy.stop('SIGINT');
    assert.equal(stopped.code, 0, proxy.output);
  });

  it('with -listen, -service-addr and -register: registered, serves callers by intention, deregistered on exit', async () => {
    const webPort = await webApps.start('web');
    const web = start([
      'connect',
      'proxy',
      '-service',
      'web',
      '-listen',
      `${webPublic.host}:${webPublic.port}`,
      '-service-addr',
      `${webPublic.host}:${webPort}`,
      '-register',
      httpAddr,
    ]);
    const registered = await waitFor(
      async () => {
        if (web.hasExited) throw new Error(`the proxy exited\n${web.output}`);
        return (await agentServices())['web-proxy'];
      },
      { what: 'web-proxy registered' },
    );
    assert.deepEqual(
      { Kind: registered.Kind, Address: registered.Address, Port: registered.Port },
      { Kind: 'connect-proxy', Address: webPublic.host, Port: webPublic.port },
    );
    const checks = (await (await fetch(`${base}/v1/agent/checks`)).json()) as Record<string, { Name: string }>;
    assert.equal(checks['web-proxy-ttl']?.Name, 'proxy heartbeat');

    // A caller as another dev proxy: api dials web's public listener, found through web-proxy's registration.
    const caller = start([
      'connect',
      'proxy',
      '-service',
      'api',
      '-upstream',
      `web:${callerUpstream.host}:${callerUpstream.port}`,
      httpAddr,
    ]);
    const toWeb = () => getOnNewConnection(callerUpstream.host, callerUpstream.port);
    await waitFor(async () => (await toWeb()) === 'hello from web', {
      what: `web through its public listener\n${web.output}\n${caller.output}`,
      deadlineMs: 30_000,
    });
    const deny = await createIntention('api', 'web', 'deny');
    // A connection open when the deny lands is revoked (also null); keep calling until a new one is refused.
    await waitFor(async () => (await toWeb()) === null && /"result":"denied"/.test(web.output), {
      what: "the deny to refuse api at web's public listener, logged by web",
    });
    await deleteIntention(deny);

    const stopped = await web.stop('SIGINT');
    assert.equal(stopped.code, 0, web.output);
    assert.equal((await agentServices())['web-proxy'], undefined, 'deregistered on exit');
    // The registration names no local service, so the agent's managed mode never tried to bind web's listener.
    assert.doesNotMatch(processes[0]?.output ?? '', /managed proxy did not start[^\n]*web-proxy/);
  });
});
