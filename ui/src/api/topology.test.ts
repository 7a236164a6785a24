// Proves how a service's topology is derived from the HTTP API's answers (served here by a stub fetch): upstreams
// from its sidecar's Proxy.Upstreams, downstreams from other sidecars and from allow intentions, each link
// judged by /v1/connect/intentions/check; and which intentions apply to a pair of services.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { intentionMatches, loadTopology } from './topology.js';
import type { CatalogService, Intention } from './types.js';

function proxy(name: string, destination: string, upstreams: string[]): Partial<CatalogService> {
  return {
    ServiceName: name,
    ServiceID: name,
    Node: 'n1',
    ServiceKind: 'connect-proxy',
    ServiceProxy: {
      DestinationServiceName: destination,
      DestinationServiceID: destination,
      Upstreams: upstreams.map((to, index) => ({ DestinationName: to, LocalBindPort: 9000 + index })),
    },
  };
}

function intention(source: string, destination: string, action: 'allow' | 'deny'): Intention {
  return {
    ID: '',
    Description: '',
    SourceNS: 'default',
    SourceName: source,
    DestinationNS: 'default',
    DestinationName: destination,
    SourceType: 'consul',
    Action: action,
    Meta: {},
    Precedence: 9,
  };
}

const catalogRows: Record<string, Partial<CatalogService>[]> = {
  web: [{ ServiceName: 'web', ServiceID: 'web', Node: 'n1', ServiceKind: '' }],
  'web-sidecar-proxy': [proxy('web-sidecar-proxy', 'web', ['api', 'db'])],
  api: [{ ServiceName: 'api', ServiceID: 'api', Node: 'n1', ServiceKind: '' }],
  'api-sidecar-proxy': [proxy('api-sidecar-proxy', 'api', ['db'])],
  db: [{ ServiceName: 'db', ServiceID: 'db', Node: 'n1', ServiceKind: '' }],
  batch: [{ ServiceName: 'batch', ServiceID: 'batch', Node: 'n1', ServiceKind: '' }],
};
/** What /check answers: web may not reach db; everything else is allowed. */
const denied = new Set(['web->db']);
const realFetch = globalThis.fetch;

beforeEach(() => {
  (globalThis as { window?: unknown }).window = { location: { origin: 'http://agent.test' } };
  globalThis.fetch = (async (input: string | URL) => {
    const url = new URL(String(input), 'http://agent.test');
    const service = /^\/v1\/catalog\/service\/(.+)$/.exec(url.pathname);
    if (service) return Response.json(catalogRows[decodeURIComponent(service[1]!)] ?? []);
    if (url.pathname === '/v1/connect/intentions/check') {
      const pair = `${url.searchParams.get('source')}->${url.searchParams.get('destination')}`;
      return Response.json({ Allowed: !denied.has(pair) });
    }
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
});

afterEach(() => {
  globalThis.fetch = realFetch;
  delete (globalThis as { window?: unknown }).window;
});

describe('loadTopology', () => {
  const catalog = Object.fromEntries(Object.keys(catalogRows).map((name) => [name, []]));

  it("takes upstreams from the service's sidecar, each judged by the intentions", async () => {
    const topology = await loadTopology('web', catalog, [], new AbortController().signal);
    assert.equal(topology.inMesh, true);
    assert.deepEqual(
      topology.upstreams.map(({ name, allowed, bind }) => ({ name, allowed, bind })),
      [
        { name: 'api', allowed: true, bind: '127.0.0.1:9000' },
        { name: 'db', allowed: false, bind: '127.0.0.1:9001' },
      ],
    );
    assert.deepEqual(topology.downstreams, []);
    assert.deepEqual(
      topology.sidecars.map((row) => row.ServiceID),
      ['web-sidecar-proxy'],
    );
  });

  it('takes downstreams from other sidecars and from allow intentions towards the service', async () => {
    const intentions = [
      intention('batch', 'db', 'allow'),
      intention('*', 'db', 'deny'),
      intention('ghost', 'db', 'allow'),
    ];
    const topology = await loadTopology('db', catalog, intentions, new AbortController().signal);
    assert.deepEqual(
      topology.downstreams.map(({ name, via, allowed }) => ({ name, via, allowed })),
      [
        { name: 'api', via: 'upstream', allowed: true },
        { name: 'batch', via: 'intention', allowed: true },
        { name: 'web', via: 'upstream', allowed: false },
      ],
      'a wildcard or a service missing from the catalog is no downstream',
    );
    assert.equal(topology.inMesh, false, 'db has no sidecar of its own');
  });
});

describe('intentionMatches', () => {
  it('matches exact names and the * wildcard on either side; null leaves a side open', () => {
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), 'web', 'api'), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), 'batch', 'api'), false);
    assert.equal(intentionMatches(intention('*', 'api', 'deny'), 'batch', 'api'), true);
    assert.equal(intentionMatches(intention('web', '*', 'deny'), 'web', 'db'), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), null, 'api'), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), 'web', null), true);
    assert.equal(intentionMatches(intention('web', 'api', 'deny'), null, 'db'), false);
  });
});
