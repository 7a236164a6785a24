// Proves the agent's ProxySource over real endpoint handlers and a real store (commands applied at once): a proxy
// gets its service's leaf (verifying against the roots it is given), the roots, an intention table that follows a
// deny written after the view opened, and the passing Connect instances of an upstream, updated when a sidecar
// registers; closing the last endpoints view stops that watch.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { CA_CONFIG_DEFAULTS, normalizeIntention } from '../../connect/index.js';
import { ManualClock, RealClock } from '../../lib/clock.js';
import { TypedEmitter } from '../../lib/emitter.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { firstValue } from '../../proxy/source.js';
import { initialCaRequest } from '../../server/endpoints/connect-ca-provider.js';
import { caRootsCommand, intentionCommand, registerCommand } from '../../server/fsm/index.js';
import type { RpcClient } from '../../server/rpc/methods.js';
import { StateStore } from '../../server/state/store.js';
import { endpointRpc } from '../../server/testing/endpoint-rpc.js';
import { AgentConnect, type AgentConnectEvents, type LeafCert } from './agent-connect.js';
import { AgentProxySource } from './proxy-source.js';

async function setup() {
  const clock = new ManualClock();
  const store = new StateStore();
  const { rpc, context } = endpointRpc(store, { clock });
  const apply = context.apply;
  await apply(caRootsCommand(await initialCaRequest('7f42f496-fbc7-8692-05ed-334aa5340c1e', CA_CONFIG_DEFAULTS, 0)));
  const log = silentLogger();
  const connect = new AgentConnect(
    { rpc, clock, rand: new SeededRand(3), log },
    { datacenter: 'dc1', defaultAllow: true },
  );
  const source = new AgentProxySource({ connect, rpc, clock, rand: new SeededRand(5), log }, 'dc1');
  return { source, connect, apply, store };
}

const deadline = () => AbortSignal.timeout(20_000);

async function changeTo<T>(
  view: { current(): T | null; onChange(listener: (value: T) => void): () => void },
  accept: (value: T) => boolean,
): Promise<T> {
  const present = view.current();
  if (present !== null && accept(present)) return present;
  return new Promise((resolve) => {
    const unsubscribe = view.onChange((value) => {
      if (!accept(value)) return;
      unsubscribe();
      resolve(value);
    });
  });
}

describe('AgentProxySource', () => {
  it('serves leaf, roots, intentions and upstream endpoints from the agent caches', async () => {
    const { source, connect, apply } = await setup();
    try {
      const roots = await firstValue(source.roots(), deadline());
      assert.equal(roots.rootPems.length, 1);
      const leaf = await firstValue(source.leaf('web'), deadline());
      const [cert] = leaf.certPem.split(/(?=-----BEGIN CERTIFICATE-----)/).map((pem) => new X509Certificate(pem));
      assert.ok(cert?.verify(new X509Certificate(roots.rootPems[0] as string).publicKey));
      assert.match(leaf.keyPem, /PRIVATE KEY/);

      const intentions = source.intentions();
      const table = await firstValue(intentions, deadline());
      assert.equal(table.decide('web', 'api').allowed, true);
      const denied = changeTo(intentions, (next) => !next.decide('web', 'api').allowed);
      await apply(
        intentionCommand({
          Op: 'create',
          Intention: normalizeIntention({ ID: 'i1', SourceName: 'web', DestinationName: 'api', Action: 'deny' }),
        }),
      );
      await denied;

      const endpoints = source.endpoints({ service: 'api' });
      assert.deepEqual(await firstValue(endpoints, deadline()), []);
      const registered = changeTo(endpoints, (list) => list.length === 1);
      await apply(
        registerCommand({
          Node: 'n1',
          Address: '10.0.0.1',
          Service: {
            ID: 'api-sidecar-proxy',
            Service: 'api-sidecar-proxy',
            Kind: 'connect-proxy',
            Port: 21000,
            Proxy: { DestinationServiceName: 'api' },
          },
        } as never),
      );
      assert.deepEqual(await registered, [{ address: '10.0.0.1', port: 21000, service: 'api' }]);
      endpoints.close();
    } finally {
      source.close();
      await connect.stop();
    }
  });

  it('retries a failed first leaf fetch with backoff until the leaf arrives', async () => {
    let calls = 0;
    const leaf = { CertPEM: 'cert', PrivateKeyPEM: 'key' } as LeafCert;
    // Only leaf() and events are used on this path; the first two fetches fail as a cache with no CA would.
    const connect = {
      events: new TypedEmitter<AgentConnectEvents>(() => undefined),
      leaf: async () => {
        calls += 1;
        if (calls <= 2) throw new Error('no leaf certificate for web from the servers after 30 s');
        return { index: 1, value: leaf };
      },
    } as unknown as AgentConnect;
    const source = new AgentProxySource(
      { connect, rpc: {} as RpcClient, clock: new RealClock(), rand: new SeededRand(5), log: silentLogger() },
      'dc1',
    );
    try {
      const view = source.leaf('web');
      assert.deepEqual(await firstValue(view, deadline()), { certPem: 'cert', keyPem: 'key' });
      assert.equal(calls, 3);
    } finally {
      source.close();
    }
  });
});
