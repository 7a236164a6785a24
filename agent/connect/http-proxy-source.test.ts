// Proves the proxy process's ProxySource over a fake agent HTTP API: the ProxySource contract (leaf, roots,
// intentions, endpoints through blocking reads), the default decision read from /v1/agent/self (deny under ACL
// default deny), health entries mapped to sidecar addresses, a watch that starts before the agent answers and
// recovers once it does, and a closed last view that stops its watch.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileIntentionTable } from '../../connect/intentions/table.js';
import { RealClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { firstValue } from '../../proxy/source.js';
import { describeProxySourceContract } from '../../proxy/testing/source-contract.js';
import { HttpProxySource } from './http-proxy-source.js';
import { FakeAgentHttp } from './testing/fake-agent-http.js';

const selfAllow = { Config: { Datacenter: 'dc1' }, DebugConfig: { ACLEnabled: false, ACLDefaultPolicy: 'allow' } };

async function open(self: unknown = selfAllow) {
  const agent = new FakeAgentHttp();
  const baseUrl = await agent.listen();
  agent.set('/v1/agent/self', self);
  const source = new HttpProxySource({
    target: { baseUrl, token: null },
    clock: new RealClock(),
    rand: new SeededRand(11),
    log: silentLogger(),
  });
  return { agent, source, baseUrl };
}

const deadline = () => AbortSignal.timeout(10_000);

describeProxySourceContract('HttpProxySource over the agent HTTP API', async () => {
  const { agent, source } = await open();
  agent.set('/v1/connect/intentions', []);
  return {
    source,
    publishLeaf: async (service, leaf) =>
      agent.set(`/v1/agent/connect/ca/leaf/${service}`, { CertPEM: leaf.certPem, PrivateKeyPEM: leaf.keyPem }),
    publishRoots: async (roots) =>
      agent.set('/v1/agent/connect/ca/roots', {
        TrustDomain: roots.trustDomain,
        Roots: roots.rootPems.map((RootCert) => ({ RootCert })),
      }),
    // Over HTTP the control plane publishes intentions, not tables: the fixture's deny-all as one wildcard deny.
    publishIntentions: async () =>
      agent.set('/v1/connect/intentions', [{ SourceName: '*', DestinationName: '*', Action: 'deny' }]),
    publishEndpoints: async (service, endpoints) =>
      agent.set(
        `/v1/health/connect/${service}`,
        endpoints.map((endpoint) => ({
          Node: { Address: '10.0.0.1' },
          Service: { Address: endpoint.address, Port: endpoint.port },
        })),
      ),
    fixtures: {
      leaves: [
        { certPem: 'leaf-1', keyPem: 'key-1' },
        { certPem: 'leaf-2', keyPem: 'key-2' },
      ],
      roots: { trustDomain: 'td.consul', rootPems: ['root-1', 'root-2'] },
      denyAll: compileIntentionTable([], false),
    },
    close: async () => {
      source.close();
      await agent.close();
    },
  };
});

describe('HttpProxySource', () => {
  it('denies unmatched callers when the agent runs ACLs with default deny, and allows them otherwise', async () => {
    for (const [self, allowed] of [
      [{ DebugConfig: { ACLEnabled: true, ACLDefaultPolicy: 'deny' } }, false],
      [{ DebugConfig: { ACLEnabled: true, ACLDefaultPolicy: 'allow' } }, true],
      [selfAllow, true],
    ] as const) {
      const { agent, source } = await open(self);
      try {
        agent.set('/v1/connect/intentions', [{ SourceName: 'web', DestinationName: 'db', Action: 'deny' }]);
        const table = await firstValue(source.intentions(), deadline());
        assert.equal(table.decide('web', 'db').allowed, false);
        assert.equal(table.decide('web', 'api').allowed, allowed, JSON.stringify(self));
      } finally {
        source.close();
        await agent.close();
      }
    }
  });

  it('maps health entries to sidecar addresses, the node address when the service has none', async () => {
    const { agent, source } = await open();
    try {
      agent.set('/v1/health/connect/api', [
        { Node: { Address: '10.0.0.1' }, Service: { Address: '', Port: 21000 } },
        { Node: { Address: '10.0.0.2' }, Service: { Address: '10.0.9.9', Port: 21001 } },
      ]);
      assert.deepEqual(await firstValue(source.endpoints({ service: 'api' }), deadline()), [
        { address: '10.0.0.1', port: 21000, service: 'api' },
        { address: '10.0.9.9', port: 21001, service: 'api' },
      ]);
    } finally {
      source.close();
      await agent.close();
    }
  });

  it('keeps retrying a leaf the agent does not have yet and delivers it once it does', async () => {
    const { agent, source } = await open();
    try {
      const view = source.leaf('web');
      await waitForCondition(
        () => (agent.requests.get('/v1/agent/connect/ca/leaf/web') ?? 0) >= 2,
        'a second leaf request after a 404',
      );
      assert.equal(view.current(), null);
      agent.set('/v1/agent/connect/ca/leaf/web', { CertPEM: 'leaf', PrivateKeyPEM: 'key' });
      assert.deepEqual(await firstValue(view, deadline()), { certPem: 'leaf', keyPem: 'key' });
    } finally {
      source.close();
      await agent.close();
    }
  });

  it('recovers from an agent that was not listening when the watch started', async () => {
    const probe = new FakeAgentHttp();
    const baseUrl = await probe.listen();
    await probe.close();
    const port = Number(new URL(baseUrl).port);
    const source = new HttpProxySource({
      target: { baseUrl, token: null },
      clock: new RealClock(),
      rand: new SeededRand(3),
      log: silentLogger(),
    });
    const agent = new FakeAgentHttp();
    try {
      const view = source.roots();
      agent.set('/v1/agent/connect/ca/roots', { TrustDomain: 'td.consul', Roots: [{ RootCert: 'root' }] });
      await agent.listen('127.0.0.1', port);
      assert.deepEqual(await firstValue(view, deadline()), { trustDomain: 'td.consul', rootPems: ['root'] });
    } finally {
      source.close();
      await agent.close();
    }
  });

  it('stops a watch when its last view closes', async () => {
    const { agent, source } = await open();
    try {
      agent.set('/v1/health/connect/api', []);
      const first = source.endpoints({ service: 'api' });
      const second = source.endpoints({ service: 'api' });
      await firstValue(first, deadline());
      await waitForCondition(() => agent.waiting('/v1/health/connect/api') === 1, 'one parked health watch');
      first.close();
      assert.equal(agent.waiting('/v1/health/connect/api'), 1, 'one view is still open');
      second.close();
      await waitForCondition(() => agent.waiting('/v1/health/connect/api') === 0, 'the watch to stop');
    } finally {
      source.close();
      await agent.close();
    }
  });
});
