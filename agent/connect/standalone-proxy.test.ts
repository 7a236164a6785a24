// Proves the proxy process against a fake agent HTTP API and real sockets: -sidecar-for finds exactly one sidecar
// (Consul's errors for none and several), a registered proxy (api) and a dev-mode proxy (web, upstream api) carry
// HTTP over mTLS with leaves, roots, intentions and instances read over HTTP, and so does a dev-mode proxy with
// upstreams only (no public listener); a changed registration replaces the proxy, a deregistered one stops it, and
// dev mode's -register registers the proxy as Consul does and deregisters it on stop.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { type EchoApp, httpRequest, makeCa, mintLeaf, startEcho } from '../../proxy/testing/mesh-fixture.js';
import type { AgentHttpTarget } from './agent-http.js';
import { findSidecarProxyId, StandaloneProxy } from './standalone-proxy.js';
import { FakeAgentHttp } from './testing/fake-agent-http.js';

function sidecarView(service: string, appPort: number, fields: Record<string, unknown> = {}) {
  return {
    ID: `${service}-sidecar-proxy`,
    Service: `${service}-sidecar-proxy`,
    Kind: 'connect-proxy',
    Address: '127.0.0.1',
    Port: 0,
    Datacenter: 'dc1',
    Proxy: {
      DestinationServiceName: service,
      DestinationServiceID: service,
      LocalServiceAddress: '127.0.0.1',
      LocalServicePort: appPort,
      Upstreams: [],
    },
    ...fields,
  };
}

const components = (target: AgentHttpTarget) => ({
  target,
  clock: new RealClock(),
  rand: new SeededRand(9),
  log: silentLogger(),
});

describe('findSidecarProxyId', () => {
  const agent = new FakeAgentHttp();
  let target: AgentHttpTarget;
  before(async () => {
    target = { baseUrl: await agent.listen(), token: null };
  });
  after(() => agent.close());

  it("finds the one sidecar of a service and says Consul's words when there is none or several", async () => {
    agent.set('/v1/agent/services', { web: { ID: 'web', Service: 'web', Port: 80 } });
    await assert.rejects(findSidecarProxyId(target, 'web'), { message: 'No sidecar proxy registered for web' });
    await assert.rejects(findSidecarProxyId({ baseUrl: 'http://127.0.0.1:1', token: null }, 'web'), {
      message: /^Failed looking up sidecar proxy info for web: GET \/v1\/agent\/services: cannot reach the agent/,
    });
    agent.set('/v1/agent/services', {
      web: { ID: 'web', Service: 'web', Port: 80 },
      'web-sidecar-proxy': sidecarView('web', 80),
    });
    assert.equal(await findSidecarProxyId(target, 'web'), 'web-sidecar-proxy');
    assert.equal(await findSidecarProxyId(target, 'WEB'), 'web-sidecar-proxy', 'IDs compare case-insensitively');
    agent.set('/v1/agent/services', {
      'web-sidecar-proxy': sidecarView('web', 80),
      'web-other': sidecarView('web', 80, { ID: 'web-other' }),
    });
    await assert.rejects(findSidecarProxyId(target, 'web'), {
      message:
        'More than one sidecar proxy registered for web.\n' +
        '    Start proxy with -proxy-id and one of the following IDs: web-other, web-sidecar-proxy',
    });
  });
});

describe('StandaloneProxy', () => {
  const agent = new FakeAgentHttp();
  let target: AgentHttpTarget;
  let app: EchoApp;
  const proxies: StandaloneProxy[] = [];
  before(async () => {
    target = { baseUrl: await agent.listen(), token: null };
    app = await startEcho('api');
    const ca = await makeCa();
    agent.set('/v1/agent/self', {
      Config: { Datacenter: 'dc1' },
      DebugConfig: { ACLEnabled: false, ACLDefaultPolicy: 'allow' },
    });
    agent.set('/v1/agent/connect/ca/roots', {
      TrustDomain: ca.signer.trustDomain,
      Roots: [{ RootCert: ca.root.RootCert }],
    });
    for (const service of ['web', 'api']) {
      const leaf = await mintLeaf(ca, service);
      agent.set(`/v1/agent/connect/ca/leaf/${service}`, { CertPEM: leaf.certPem, PrivateKeyPEM: leaf.keyPem });
    }
    agent.set('/v1/connect/intentions', []);
  });
  after(async () => {
    for (const proxy of proxies) await proxy.stop();
    await app.close();
    await agent.close();
  });

  it('runs a registered sidecar and a dev-mode proxy that carry HTTP over mTLS, and follows the registration', async () => {
    agent.set('/v1/agent/service/api-sidecar-proxy', sidecarView('api', app.port));
    const api = new StandaloneProxy(components(target), {
      mode: { kind: 'registered', proxyId: 'api-sidecar-proxy' },
    });
    proxies.push(api);
    await api.start();
    await waitForCondition(() => api.current() !== null, 'the api sidecar to start');
    const apiPublic = api.current()?.publicAddress();
    assert.ok(apiPublic);
    agent.set('/v1/health/connect/api', [
      { Node: { Address: '127.0.0.1' }, Service: { Address: '127.0.0.1', Port: apiPublic.port } },
    ]);

    const web = new StandaloneProxy(components(target), {
      mode: {
        kind: 'flags',
        register: { service: 'web', address: '127.0.0.1', port: 21000 },
        registration: {
          ID: 'web-proxy',
          Address: '127.0.0.1',
          Port: 0,
          Proxy: {
            DestinationServiceName: 'web',
            LocalServiceAddress: '127.0.0.1',
            LocalServicePort: 1,
            Upstreams: [{ DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 0 }],
          },
        },
      },
    });
    proxies.push(web);
    await web.start();
    await waitForCondition(() => web.current() !== null, 'the web proxy to start');
    const upstream = web.current()?.upstreamAddress('api');
    assert.ok(upstream);
    // The upstream's instances arrive by their own watch, a moment after the listeners are up.
    let body = '';
    await waitForCondition(async () => {
      body = (await httpRequest(upstream.port, '/hello', { host: upstream.address }).catch(() => null))?.body ?? '';
      return body !== '';
    }, 'a request through the upstream');
    assert.equal(body, 'api GET /hello ');
    const registered = agent.writes.find((write) => write.path === '/v1/agent/service/register');
    assert.deepEqual(registered?.body, {
      Kind: 'connect-proxy',
      ID: 'web-proxy',
      Name: 'web-proxy',
      Address: '127.0.0.1',
      Port: 21000,
      Proxy: { DestinationServiceName: 'web' },
      Check: {
        CheckID: 'web-proxy-ttl',
        Name: 'proxy heartbeat',
        TTL: '30s',
        Notes: 'Built-in proxy will heartbeat this check.',
        Status: 'passing',
      },
    });

    const upstreamOnly = new StandaloneProxy(components(target), {
      mode: {
        kind: 'flags',
        register: null,
        registration: {
          ID: 'web-proxy-outbound',
          PublicListener: false,
          Port: 0,
          Proxy: {
            DestinationServiceName: 'web',
            LocalServicePort: 0,
            Upstreams: [{ DestinationName: 'api', LocalBindAddress: '127.0.0.1', LocalBindPort: 0 }],
          },
        },
      },
    });
    proxies.push(upstreamOnly);
    await upstreamOnly.start();
    await waitForCondition(() => upstreamOnly.current() !== null, 'the upstream-only proxy to start');
    assert.throws(() => upstreamOnly.current()?.publicAddress(), /no public listener/);
    const outbound = upstreamOnly.current()?.upstreamAddress('api');
    assert.ok(outbound);
    let outboundBody = '';
    await waitForCondition(async () => {
      outboundBody =
        (await httpRequest(outbound.port, '/dev', { host: outbound.address }).catch(() => null))?.body ?? '';
      return outboundBody !== '';
    }, 'a request through the upstream-only proxy');
    assert.equal(outboundBody, 'api GET /dev ');
    await upstreamOnly.stop();

    const first = api.current();
    agent.set('/v1/agent/service/api-sidecar-proxy', sidecarView('api', app.port, { Tags: ['changed'] }));
    agent.set('/v1/agent/service/api-sidecar-proxy', sidecarView('api', app.port + 1));
    await waitForCondition(
      () => api.current() !== first && api.current()?.config.localServicePort === app.port + 1,
      'a changed registration to replace the proxy',
    );
    agent.delete('/v1/agent/service/api-sidecar-proxy');
    await waitForCondition(() => api.current() === null, 'a deregistered proxy to stop');

    await web.stop();
    assert.ok(
      agent.writes.some((write) => write.method === 'PUT' && write.path === '/v1/agent/service/deregister/web-proxy'),
      'dev mode deregisters on stop',
    );
  });
});
