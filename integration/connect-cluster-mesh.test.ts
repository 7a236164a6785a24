// Proves the mesh on a real datacenter, through the binary and HTTP only: three `lattice agent -server
// -bootstrap-expect=3` on 127.0.0.140-142 and two clients, 127.0.0.143 (web, `connect { managed_proxies = false }`,
// its sidecar run by `lattice connect proxy -sidecar-for web` as its own process) and 127.0.0.144 (api, its sidecar
// hosted by the agent). A web app calls api through both sidecars with real HTTP. A deny intention refuses new
// connections and closes an open one (revoked at api's agent-hosted listener), an allow restores them (delays
// printed; the 1 s goal belongs to a bench); a CA root rotation under steady traffic fails no request and both
// proxies end up presenting leaves of the new root; api's public listener rejects a client certificate from
// another CA, an expired one, and one for a service the intentions deny, each dialed with node:tls.

import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect as netConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { generateCsr } from '../connect/ca/csr.js';
import { signLeaf } from '../connect/ca/leaf.js';
import { serviceSpiffeId } from '../connect/spiffe.js';
import { makeTestCa } from '../connect/testing/ca-fixtures.js';
import { signerOfRow } from '../server/endpoints/connect-ca-provider.js';
import { getAgentJson, type LatticeProcess, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const serverHosts = ['127.0.0.140', '127.0.0.141', '127.0.0.142'];
const webHost = '127.0.0.143';
const apiHost = '127.0.0.144';
const sidecarPort = 21000;
const upstreamPort = 19191;
const clusterDeadlineMs = 60_000;
const fastRaft = '--hcl=performance { raft_multiplier = 1 }';

const processes = new Map<string, LatticeProcess>();
const apps: Server[] = [];
let dir: TempDir;
let webAppPort = 0;

interface Roots {
  readonly ActiveRootID: string;
  readonly TrustDomain: string;
  readonly Roots: readonly { ID: string; Active: boolean; RootCert: string }[];
}

const getJson = getAgentJson;

async function put(host: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`http://${host}:8500${path}`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

const intention = (source: string, action: 'allow' | 'deny') =>
  put(apiHost, `/v1/connect/intentions/exact?source=${encodeURIComponent(source)}&destination=api`, {
    Action: action,
  });

function listen(server: Server, host: string): Promise<number> {
  apps.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** api: answers every request; keep-alive kept long so an open connection only ends when the mesh ends it. */
async function startApiApp(): Promise<number> {
  const server = createServer((_request, response) => response.end('hello from api'));
  server.keepAliveTimeout = 120_000;
  return listen(server, apiHost);
}

/** web: each request calls api through its sidecar's upstream on a new connection, 502 when that fails. */
async function startWebApp(): Promise<number> {
  const server = createServer((_incoming, response) => {
    const outgoing = request(
      { host: webHost, port: upstreamPort, path: '/', agent: false, timeout: 5_000 },
      (answer) => {
        let body = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => {
          body += chunk;
        });
        answer.on('end', () => response.end(`web got: ${body}`));
        answer.on('error', (error) => {
          response.statusCode = 502;
          response.end(error.message);
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('upstream timeout')));
    outgoing.on('error', (error) => {
      response.statusCode = 502;
      response.end(error.message);
    });
    outgoing.end();
  });
  return listen(server, webHost);
}

/** One request to the web app: true when api answered through the mesh. */
async function callWeb(): Promise<boolean> {
  try {
    const response = await fetch(`http://${webHost}:${webAppPort}/`, { signal: AbortSignal.timeout(10_000) });
    return response.status === 200 && (await response.text()) === 'web got: hello from api';
  } catch {
    return false;
  }
}

function serviceFile(name: string, host: string, appPort: number, upstreams: string): string {
  return `service {
  name = "${name}"
  id = "${name}"
  address = "${host}"
  port = ${appPort}
  connect {
    sidecar_service {
      address = "${host}"
      port = ${sidecarPort}
      checks = [{ name = "Connect Sidecar Listening", tcp = "${host}:${sidecarPort}", interval = "1s" }]
      proxy {
        local_service_address = "${host}"
        ${upstreams}
      }
    }
  }
}
`;
}

function agentArgs(host: string, server: boolean, extra: string[] = []): string[] {
  return [
    'agent',
    ...(server ? ['-server', '-bootstrap-expect=3'] : []),
    `-retry-join=${serverHosts[0]}`,
    '-retry-interval=1s',
    `-bind=${host}`,
    `-client=${host}`,
    `-data-dir=${dir.file(`data-${host}`)}`,
    `-node=${server ? 'server' : 'client'}-${host.split('.').at(-1)}`,
    fastRaft,
    ...extra,
  ];
}

function start(name: string, args: string[]): LatticeProcess {
  const process = startLattice(args);
  processes.set(name, process);
  return process;
}

interface TlsProbe {
  /** The DER certificate the listener presented, if the handshake got that far. */
  readonly peer: Buffer | null;
  /** What came back after a GET, '' when the connection was refused or closed. */
  readonly response: string;
}

/** Dials a public listener with node:tls (a client certificate when given), sends a GET, collects the answer. */
function probeTls(host: string, roots: readonly string[], client?: { cert: string; key: string }): Promise<TlsProbe> {
  return new Promise((resolve) => {
    let peer: Buffer | null = null;
    let response = '';
    const socket = tlsConnect({
      host,
      port: sidecarPort,
      ca: [...roots],
      ...(client ?? {}),
      // The server's identity is a SPIFFE URI, not a host name; the chain is still verified against the roots.
      checkServerIdentity: () => undefined,
    });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ peer, response });
    };
    const timer = setTimeout(finish, 5_000);
    socket.once('secureConnect', () => {
      peer = socket.getPeerCertificate().raw ?? null;
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      response += chunk;
    });
    socket.once('error', finish);
    socket.once('close', finish);
  });
}

describe('Connect mesh on three servers and two clients', () => {
  before(async () => {
    const apiPort = await startApiApp();
    webAppPort = await startWebApp();
    dir = await makeTempDir({
      'web.hcl': serviceFile(
        'web',
        webHost,
        webAppPort,
        `upstreams = [{ destination_name = "api", local_bind_address = "${webHost}", local_bind_port = ${upstreamPort} }]`,
      ),
      'api.hcl': serviceFile('api', apiHost, apiPort, ''),
      'unmanaged.hcl': 'connect { managed_proxies = false }\n',
    });
    for (const host of serverHosts) start(host, agentArgs(host, true));
    start(
      webHost,
      agentArgs(webHost, false, [`-config-file=${dir.file('web.hcl')}`, `-config-file=${dir.file('unmanaged.hcl')}`]),
    );
    start(apiHost, agentArgs(apiHost, false, [`-config-file=${dir.file('api.hcl')}`]));
    for (const [host, process] of processes)
      await waitForHttp(`http://${host}:8500/v1/agent/self`, { process, deadlineMs: clusterDeadlineMs });
    // -sidecar-for reads the registration from the agent, so the agent must have loaded web's definition (it has,
    // once it answers HTTP); the proxy then waits for its leaf, which needs the CA the elected leader initializes.
    start('web-sidecar', ['connect', 'proxy', '-sidecar-for', 'web', `-http-addr=${webHost}:8500`]);
  });

  after(async () => {
    for (const process of processes.values()) if (!process.hasExited) process.kill();
    await Promise.all(
      apps.map(
        (app) =>
          new Promise((resolve) => {
            app.closeAllConnections();
            app.close(resolve);
          }),
      ),
    );
    await dir?.remove();
  });

  it('carries HTTP from web to api through a proxy process and an agent-hosted sidecar', async () => {
    const sidecar = processes.get('web-sidecar');
    await waitFor(
      async () => {
        if (sidecar?.hasExited) throw new Error(`the proxy process exited\n${sidecar.output}`);
        return callWeb();
      },
      {
        deadlineMs: clusterDeadlineMs,
        intervalMs: 200,
        what: `web → api through both sidecars\n${sidecar?.output ?? ''}`,
      },
    );
    const services = await getJson<Record<string, { Kind?: string }>>(webHost, '/v1/agent/services');
    assert.equal(services['web-sidecar-proxy']?.Kind, 'connect-proxy');
    assert.match(sidecar?.output ?? '', /service proxy started/);
  });

  it('refuses new connections and closes an open one under a deny intention; an allow restores them', async () => {
    // An open connection through both sidecars, answered once and kept alive.
    const open = netConnect({ host: webHost, port: upstreamPort });
    let openBody = '';
    let openClosedAtMs = 0;
    open.setEncoding('utf8');
    open.on('data', (chunk: string) => {
      openBody += chunk;
    });
    open.on('error', () => undefined);
    open.on('close', () => {
      openClosedAtMs = performance.now();
    });
    open.write(`GET / HTTP/1.1\r\nHost: api\r\n\r\n`);
    await waitFor(() => openBody.includes('hello from api'), { what: 'the open connection to be answered' });

    await intention('web', 'deny');
    const deniedAtMs = performance.now();
    await waitFor(async () => !(await callWeb()), { deadlineMs: 15_000, what: 'the deny to refuse new connections' });
    const refusedAfterMs = performance.now() - deniedAtMs;
    await waitFor(() => openClosedAtMs > 0, { deadlineMs: 15_000, what: 'the open connection to be revoked' });
    const revokedAfterMs = openClosedAtMs - deniedAtMs;

    await intention('web', 'allow');
    const allowedAtMs = performance.now();
    await waitFor(callWeb, { deadlineMs: 15_000, what: 'the allow to restore new connections' });
    const restoredAfterMs = performance.now() - allowedAtMs;
    console.log(
      JSON.stringify({
        measure: 'intention-propagation',
        deny_refuses_new_ms: Math.round(refusedAfterMs),
        deny_closes_open_ms: Math.round(revokedAfterMs),
        allow_restores_ms: Math.round(restoredAfterMs),
      }),
    );
    open.destroy();
  });

  let newRootKeyPem = '';
  it('rotates the CA root under steady traffic without a failed request; both proxies present new leaves', async () => {
    const before = await getJson<Roots>(apiHost, '/v1/connect/ca/roots');
    newRootKeyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

    let stopTraffic = false;
    let ok = 0;
    let failed = 0;
    const traffic = (async () => {
      while (!stopTraffic) {
        if (await callWeb()) ok += 1;
        else failed += 1;
        // Paced, not a synchronisation: steady load of about 20 requests a second on a shared 2-core machine.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await waitFor(() => ok >= 10, { what: 'traffic before the rotation' });
      const rotatedAtMs = performance.now();
      await put(apiHost, '/v1/connect/ca/configuration', { Provider: 'consul', Config: { PrivateKey: newRootKeyPem } });
      const after = await waitFor(
        async () => {
          const roots = await getJson<Roots>(apiHost, '/v1/agent/connect/ca/roots');
          return roots.ActiveRootID !== before.ActiveRootID ? roots : null;
        },
        { what: 'the new root in the agent cache' },
      );
      const newRoot = after.Roots.find((root) => root.Active);
      assert.ok(newRoot, 'an active root');
      const newRootCert = new X509Certificate(newRoot.RootCert);
      assert.equal(
        newRootCert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
        createPublicKey(newRootKeyPem).export({ type: 'spki', format: 'der' }).toString('hex'),
        'the active root is the one made from the supplied key',
      );
      assert.ok(
        after.Roots.some((root) => root.ID === before.ActiveRootID),
        'the old root is still trusted',
      );
      const rootPems = after.Roots.map((root) => root.RootCert);
      for (const host of [webHost, apiHost]) {
        await waitFor(
          async () => {
            const { peer } = await probeTls(host, rootPems);
            return peer !== null && new X509Certificate(peer).verify(newRootCert.publicKey);
          },
          { deadlineMs: 30_000, intervalMs: 200, what: `the sidecar on ${host} to present a leaf of the new root` },
        );
      }
      const presentedAfterMs = performance.now() - rotatedAtMs;
      const okAtSwitch = ok;
      await waitFor(() => ok >= okAtSwitch + 10, { what: 'traffic after the rotation' });
      stopTraffic = true;
      await traffic;
      console.log(
        JSON.stringify({
          measure: 'root-rotation',
          requests_ok: ok,
          requests_failed: failed,
          new_leaves_presented_ms: Math.round(presentedAfterMs),
        }),
      );
      assert.equal(failed, 0, `${failed} of ${ok + failed} requests failed during the rotation`);
    } finally {
      stopTraffic = true;
      await traffic;
    }
  });

  it("rejects a client certificate from another CA, an expired one and one for a denied service at api's listener", async () => {
    assert.ok(newRootKeyPem, 'the rotation test made the active root key');
    await intention('*', 'deny');
    await waitFor(callWeb, { what: 'web, allowed by name, still passing under * → api deny' });
    const roots = await getJson<Roots>(apiHost, '/v1/agent/connect/ca/roots');
    const active = roots.Roots.find((root) => root.Active);
    assert.ok(active);
    const signer = await signerOfRow(
      { SigningKey: newRootKeyPem, RootCert: active.RootCert, IntermediateCerts: null } as never,
      roots.TrustDomain,
    );
    const mint = async (
      service: string,
      caSigner = signer,
      validity: { nowMs: number; leafCertTtlMs: number } = { nowMs: Date.now(), leafCertTtlMs: 3_600_000 },
    ) => {
      const { csrPem, privateKeyPem } = await generateCsr({ id: serviceSpiffeId(roots.TrustDomain, 'dc1', service) });
      const leaf = await signLeaf(caSigner, csrPem, { ...validity, datacenter: 'dc1' });
      return { cert: leaf.certPem, key: privateKeyPem };
    };
    const rootPems = roots.Roots.map((root) => root.RootCert);

    const allowed = await probeTls(apiHost, rootPems, await mint('web'));
    assert.match(allowed.response, /^HTTP\/1\.1 200[\s\S]*hello from api/, 'a web leaf of the cluster CA passes');

    const otherCa = await makeTestCa({}, roots.TrustDomain.replace(/\.consul$/, ''), Date.now() - 3_600_000);
    const foreign = await probeTls(apiHost, rootPems, await mint('web', otherCa.signer));
    assert.equal(foreign.response, '', 'a leaf from another CA (same trust domain) is refused');

    const expired = await probeTls(
      apiHost,
      rootPems,
      await mint('web', signer, { nowMs: Date.now() - 3 * 3_600_000, leafCertTtlMs: 3_600_000 }),
    );
    assert.equal(expired.response, '', 'an expired leaf is refused');

    const wrongService = await probeTls(apiHost, rootPems, await mint('billing'));
    assert.notEqual(wrongService.peer, null, 'the handshake itself completes for a valid leaf');
    assert.equal(wrongService.response, '', 'a leaf for a service the intentions deny is refused');
    assert.equal(await callWeb(), true, 'web still passes');
  });
});
