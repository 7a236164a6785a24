// Proves the /v1/agent/* routes through fastify inject against a real LocalState, Registrar and CheckRunner:
// Consul's shapes (AgentService, HealthCheck, AgentMember), empty 200 answers to writes, lenient bodies and
// Consul's 400 texts for bad ones (never a 500, also for 300 seeded random bodies), hash blocking on
// /service/:id, ?filter, the agent health endpoints' status codes and text format, TTL updates, maintenance
// flags, metrics formats and 405s.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SerfMember } from '../../../gossip/serf/members.js';
import { ManualClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { SeededRand } from '../../../lib/rand.js';
import { ownValue } from '../../../lib/records.js';
import { CheckRunner } from '../../checks/runner.js';
import { WanUnavailableError } from '../../runtime/gossip-wan.js';
import type { AgentHandle } from '../../runtime/handle.js';
import { AgentMetrics } from '../../runtime/metrics.js';
import { localStateForN1 } from '../../testing/local-fixtures.js';
import { buildHttpApi } from '../api.js';
import { testBuild, testConfig } from '../testing/fake-rpc.js';

const config = testConfig({ node_name: 'n1' });

/** Force-leaves the fake agent was asked for: [node, prune]. */
const forceLeaves: [string, boolean][] = [];

function makeAgent(): AgentHandle {
  const clock = new ManualClock();
  const { state, registrar } = localStateForN1(clock);
  const checks = new CheckRunner(
    {
      clock,
      rand: new SeededRand(1),
      log: silentLogger(),
      state,
      rpc: () => null,
      deregisterService: async () => true,
    },
    { nodeName: 'n1', datacenter: 'dc1', scriptChecksEnabled: false },
  );
  const members: SerfMember[] = [
    { name: 'n1', address: '127.0.0.1:8301', tags: { role: 'consul', dc: 'dc1' }, status: 'alive', statusChangeMs: 0 },
    { name: 'n2', address: '[::1]:8301', tags: { role: 'node' }, status: 'failed', statusChangeMs: 0 },
  ];
  return {
    clock,
    state,
    registrar,
    checks,
    metrics: new AgentMetrics({ state: () => state, members: () => members.length, healthScore: () => 0 }),
    members: () => members,
    coordinate: () => ({ Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 }),
    join: async (address) => {
      if (address === 'bad:1') throw new Error('no answer');
      return 1;
    },
    leave: async () => undefined,
    forceLeave: async (node, options) => {
      forceLeaves.push([node, options.prune]);
    },
    reload: async () => undefined,
    keyManager: () => null,
    // A client agent: no WAN pool (the server side is proved in agent-wan-routes.test.ts).
    wanMembers: () => [],
    joinWan: async () => {
      throw new WanUnavailableError('join', false);
    },
    forceLeaveWan: async () => {
      throw new WanUnavailableError('force-leave', false);
    },
    wanKeyManager: () => null,
    logs: () => null,
    scriptChecksAllowed: () => false,
  };
}

const agent = makeAgent();
const app = await buildHttpApi({
  config,
  build: testBuild,
  runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
  authorizer: { allows: () => true },
  log: silentLogger(),
  agent,
});
after(() => app.close());

const put = (url: string, body?: unknown) =>
  app.inject({
    method: 'PUT',
    url,
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const get = (url: string) => app.inject({ method: 'GET', url });

describe('/v1/agent services', () => {
  it('registers with a lenient body and answers 200 with an empty body', async () => {
    const response = await put('/v1/agent/service/register', {
      name: 'web',
      port: 8080,
      tags: ['v1'],
      check: { ttl: '30s' },
      weights: { passing: 3 },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.body, '');
  });

  it("lists services as Consul's AgentService map", async () => {
    const response = await get('/v1/agent/services');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      web: {
        ID: 'web',
        Service: 'web',
        Tags: ['v1'],
        Meta: {},
        Port: 8080,
        Address: '',
        Weights: { Passing: 3, Warning: 1 },
        EnableTagOverride: false,
        Datacenter: 'dc1',
      },
    });
  });

  it('filters with ?filter= and refuses a bad expression with 400', async () => {
    assert.deepEqual(Object.keys((await get('/v1/agent/services?filter=Port%20%3D%3D%201')).json()), []);
    assert.deepEqual(Object.keys((await get('/v1/agent/services?filter=Service%20%3D%3D%20%22web%22')).json()), [
      'web',
    ]);
    const bad = await get('/v1/agent/services?filter=Port%20%3D%3D');
    assert.equal(bad.statusCode, 400);
  });

  it('keeps a service named __proto__ and Meta keys named like Object.prototype members', async () => {
    const body =
      '{"Name":"__proto__","ID":"__proto__","Meta":{"__proto__":"x","constructor":"y","hasOwnProperty":"z"}}';
    const registered = await app.inject({ method: 'PUT', url: '/v1/agent/service/register', payload: body });
    assert.equal(registered.statusCode, 200);
    const other = { Name: 'constructor', ID: 'hasOwnProperty', Meta: { toString: 't' } };
    assert.equal((await put('/v1/agent/service/register', other)).statusCode, 200);
    const services = JSON.parse((await get('/v1/agent/services')).body) as Record<string, { Meta: object }>;
    assert.ok(Object.hasOwn(services, '__proto__'));
    assert.ok(Object.hasOwn(services, 'hasOwnProperty'));
    assert.equal(
      JSON.stringify(ownValue(services, '__proto__')?.Meta),
      '{"__proto__":"x","constructor":"y","hasOwnProperty":"z"}',
    );
    const one = await get('/v1/agent/service/__proto__');
    assert.equal(
      JSON.stringify((one.json() as { Meta: object }).Meta),
      '{"__proto__":"x","constructor":"y","hasOwnProperty":"z"}',
    );
    assert.equal((await put('/v1/agent/service/deregister/__proto__')).statusCode, 200);
    assert.equal((await put('/v1/agent/service/deregister/hasOwnProperty')).statusCode, 200);
  });

  it("answers deregistering a service ID the agent does not have with Consul's 404, changing nothing", async () => {
    const before = Object.keys((await get('/v1/agent/services')).json());
    const response = await put('/v1/agent/service/deregister/nonexist');
    assert.equal(response.statusCode, 404);
    assert.equal(
      response.body,
      'Unknown service ID "nonexist". Ensure that the service ID is passed, not the service name.',
    );
    assert.deepEqual(Object.keys((await get('/v1/agent/services')).json()), before);
  });

  it('deregisters a registered service once; the second time is a 404', async () => {
    assert.equal((await put('/v1/agent/service/register', { Name: 'gone', ID: 'gone-1' })).statusCode, 200);
    assert.equal((await put('/v1/agent/service/deregister/gone-1')).statusCode, 200);
    assert.equal((await put('/v1/agent/service/deregister/gone-1')).statusCode, 404);
  });

  it('refuses a ?filter= selector naming no field of the answer with 400, as Consul does', async () => {
    const services = await get('/v1/agent/services?filter=Bogus%20%3D%3D%201');
    assert.equal(services.statusCode, 400);
    assert.equal(services.body, 'Failed to create boolean expression evaluator: Selector "Bogus" is not valid');
    const checks = await get('/v1/agent/checks?filter=Service%20%3D%3D%20web');
    assert.equal(checks.statusCode, 400);
    assert.equal(checks.body, 'Failed to create boolean expression evaluator: Selector "Service" is not valid');
  });

  it('answers one service with its ContentHash, 404 when unknown', async () => {
    const response = await get('/v1/agent/service/web');
    assert.equal(response.statusCode, 200);
    const body = response.json() as { ContentHash: string };
    assert.equal(response.headers['x-consul-contenthash'], body.ContentHash);
    const unknown = await get('/v1/agent/service/nope');
    assert.deepEqual([unknown.statusCode, unknown.body], [404, 'unknown service ID: nope']);
  });

  it('blocks on ?hash= until the service changes', async () => {
    const first = (await get('/v1/agent/service/web')).json() as { ContentHash: string };
    const pending = get(`/v1/agent/service/web?hash=${first.ContentHash}&wait=30s`);
    await put('/v1/agent/service/register', { name: 'web', port: 8081, tags: ['v1'], check: { ttl: '30s' } });
    const changed = await pending;
    assert.equal((changed.json() as { Port: number }).Port, 8081);
    assert.notEqual((changed.json() as { ContentHash: string }).ContentHash, first.ContentHash);
  });

  const badBodies: [string, string, RegExp][] = [
    ['malformed JSON', '{"Name":', /^Request decode failed/],
    ['no name', '{"Port": 1}', /^Missing service name$/],
    ['a string port', '{"Name":"x","Port":"80"}', /^Invalid service: port: expected an integer/],
    ['a bad duration', '{"Name":"x","Check":{"TTL":"ten"}}', /^Invalid service: check\.ttl: invalid duration/],
    [
      'a script check on an agent without scripts',
      '{"Name":"x","Check":{"Args":["true"],"Interval":"1s"}}',
      /^Scripts are disabled/,
    ],
  ];
  for (const [name, body, text] of badBodies) {
    it(`answers 400 for ${name}`, async () => {
      const response = await put('/v1/agent/service/register', body);
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.body, text);
    });
  }

  it('never answers 5xx to seeded random bodies on the write endpoints (seed 42)', async () => {
    // A separate agent, so random registrations cannot disturb the other tests' state.
    const fuzzed = await buildHttpApi({
      config,
      build: testBuild,
      runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
      authorizer: { allows: () => true },
      log: silentLogger(),
      agent: makeAgent(),
    });
    const rand = new SeededRand(42);
    const keys = [
      'Name',
      'name',
      'ID',
      'Port',
      'Tags',
      'Meta',
      'Check',
      'Checks',
      'TTL',
      'HTTP',
      'Interval',
      'Weights',
      'Connect',
      'SidecarService',
      'Proxy',
      'Status',
      'Args',
      'TaggedAddresses',
      'Kind',
      'Address',
    ];
    const value = (depth: number): unknown => {
      switch (rand.intBelow(depth > 2 ? 5 : 7)) {
        case 0:
          return rand.intBelow(3) === 0 ? -1 : rand.intBelow(70_000);
        case 1:
          return ['web', '', '10s', 'passing', 'bogus', '0.0.0.0', 'connect-proxy'][rand.intBelow(7)];
        case 2:
          return rand.intBelow(2) === 0;
        case 3:
          return null;
        case 4:
          return 1.5;
        case 5:
          return Array.from({ length: rand.intBelow(3) }, () => value(depth + 1));
        default:
          return Object.fromEntries(
            Array.from({ length: rand.intBelow(5) }, () => [keys[rand.intBelow(keys.length)]!, value(depth + 1)]),
          );
      }
    };
    for (let round = 0; round < 300; round++) {
      const body = JSON.stringify(value(0));
      for (const url of [
        '/v1/agent/service/register',
        '/v1/agent/check/register',
        '/v1/agent/check/update/service:web',
      ]) {
        const response = await fuzzed.inject({ method: 'PUT', url, payload: body });
        assert.ok(response.statusCode < 500, `${url} ${body} → ${response.statusCode} ${response.body}`);
      }
    }
    await fuzzed.close();
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const response = await get('/v1/agent/service/register');
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'OPTIONS,PUT');
  });
});

describe('/v1/agent checks and health', () => {
  it('updates TTL checks through pass/warn/fail/update and reports health with status codes', async () => {
    const health = async () => {
      const response = await get('/v1/agent/health/service/id/web');
      return [response.statusCode, (response.json() as { AggregatedStatus: string }).AggregatedStatus];
    };
    assert.deepEqual(await health(), [503, 'critical']);
    assert.equal((await put('/v1/agent/check/pass/service:web?note=ok')).statusCode, 200);
    assert.deepEqual(await health(), [200, 'passing']);
    assert.equal(agent.state.check('service:web')?.row.Output, 'ok');
    assert.equal((await put('/v1/agent/check/warn/service:web')).statusCode, 200);
    assert.deepEqual(await health(), [429, 'warning']);
    assert.equal(
      (await put('/v1/agent/check/update/service:web', { Status: 'passing', Output: 'fine' })).statusCode,
      200,
    );
    assert.deepEqual(await health(), [200, 'passing']);
    const text = await get('/v1/agent/health/service/name/web?format=text');
    assert.equal(text.body, 'passing');
    const missing = await get('/v1/agent/health/service/name/nope?format=text');
    assert.deepEqual([missing.statusCode, missing.body], [404, 'ServiceName nope Not Found']);
    const missingJson = await get('/v1/agent/health/service/id/nope');
    assert.equal(missingJson.statusCode, 404);
    assert.deepEqual(missingJson.json(), { AggregatedStatus: 'critical', Checks: null, Service: null });
  });

  it('refuses a bad status, an unknown check and a non-TTL check', async () => {
    const badStatus = await put('/v1/agent/check/update/service:web', { Status: 'ok' });
    // Consul's AgentCheckUpdate quotes the status with single quotes ('%s').
    assert.deepEqual([badStatus.statusCode, badStatus.body], [400, "Invalid check status: 'ok'"]);
    assert.equal((await put('/v1/agent/check/pass/nope')).statusCode, 404);
    const orphan = await put('/v1/agent/check/register', { Name: 'o', TTL: '1s', ServiceID: 'nope' });
    assert.deepEqual([orphan.statusCode, orphan.body], [404, 'ServiceID "nope" does not exist']);
    await put('/v1/agent/check/register', { Name: 'port', TCP: '127.0.0.1:1', Interval: '10s' });
    // Consul's 500 and text, which Spring Cloud Consul and go-kit match to re-register.
    const notTtl = await put('/v1/agent/check/pass/port');
    assert.deepEqual([notTtl.statusCode, notTtl.body], [500, 'CheckID "port" does not have associated TTL']);
  });

  it('lists checks as HealthCheck rows', async () => {
    const checks = (await get('/v1/agent/checks')).json() as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(checks).sort(), ['port', 'service:web']);
    assert.equal(checks['service:web']?.['ServiceName'], 'web');
    assert.deepEqual(checks['service:web']?.['ServiceTags'], ['v1']);
    assert.equal(checks['port']?.['Type'], 'tcp');
    assert.equal(checks['port']?.['Interval'], '10s');
    assert.equal((await put('/v1/agent/check/deregister/port')).statusCode, 200);
    assert.equal((await put('/v1/agent/check/deregister/port')).statusCode, 404);
  });

  it('switches node and service maintenance with ParseBool flags', async () => {
    assert.equal((await put('/v1/agent/maintenance')).statusCode, 400);
    const maybe = await put('/v1/agent/maintenance?enable=maybe');
    assert.deepEqual([maybe.statusCode, maybe.body], [400, 'Invalid value for enable: "maybe"']);
    assert.equal((await put('/v1/agent/maintenance?enable=')).statusCode, 400, 'Go ParseBool refuses an empty value');
    assert.equal((await put('/v1/agent/maintenance?enable=true&reason=patching')).statusCode, 200);
    assert.equal(agent.state.check('_node_maintenance')?.row.Notes, 'patching');
    const health = await get('/v1/agent/health/service/id/web?format=text');
    assert.deepEqual([health.statusCode, health.body], [503, 'maintenance']);
    assert.equal((await put('/v1/agent/maintenance?enable=false')).statusCode, 200);
    assert.equal((await put('/v1/agent/service/maintenance/web?enable=1')).statusCode, 200);
    assert.ok(agent.state.check('_service_maintenance:web'));
    assert.equal((await put('/v1/agent/service/maintenance/nope?enable=1')).statusCode, 404);
    assert.equal((await put('/v1/agent/service/maintenance/web?enable=0')).statusCode, 200);
  });
});

describe('/v1/agent cluster endpoints', () => {
  it("lists members in Consul's AgentMember shape", async () => {
    const members = (await get('/v1/agent/members')).json() as Record<string, unknown>[];
    assert.deepEqual(
      members.map((member) => [member['Name'], member['Addr'], member['Port'], member['Status']]),
      [
        ['n1', '127.0.0.1', 8301, 1],
        ['n2', '::1', 8301, 4],
      ],
    );
    const wan = await get('/v1/agent/members?wan=1');
    assert.deepEqual([wan.statusCode, wan.json()], [200, []], 'a client agent has no WAN members');
  });

  it('adds Coord and Member to /self', async () => {
    const self = (await get('/v1/agent/self')).json() as Record<string, Record<string, unknown>>;
    assert.equal(self['Member']?.['Status'], 1);
    assert.equal((self['Coord']?.['Vec'] as number[] | undefined)?.length, 8);
  });

  it('joins (500 with the reason on failure), leaves and reloads with empty 200s', async () => {
    assert.equal((await put('/v1/agent/join/127.0.0.2')).statusCode, 200);
    const failed = await put('/v1/agent/join/bad:1');
    assert.equal(failed.statusCode, 500);
    assert.match(failed.body, /Error joining bad:1: no answer/);
    assert.equal((await put('/v1/agent/leave')).statusCode, 200);
    assert.equal((await put('/v1/agent/reload')).statusCode, 200);
  });

  it("force-leaves a member (200, empty), with ?prune; an unknown node is a 500 with Consul's text", async () => {
    const done = await put('/v1/agent/force-leave/n2');
    assert.deepEqual([done.statusCode, done.body], [200, '']);
    assert.equal((await put('/v1/agent/force-leave/n2?prune')).statusCode, 200);
    assert.deepEqual(forceLeaves, [
      ['n2', false],
      ['n2', true],
    ]);
    const unknown = await put('/v1/agent/force-leave/nope');
    assert.equal(unknown.statusCode, 500);
    assert.match(unknown.body, /agent: No node found with name 'nope'/);
    assert.equal(forceLeaves.length, 2, 'nothing is sent for an unknown node');
    const wan = await put('/v1/agent/force-leave/n2?wan');
    assert.equal(wan.statusCode, 500);
    assert.match(wan.body, /Must be a server to force-leave a node from the WAN cluster/);
  });

  it('serves metrics as Consul JSON and as Prometheus text', async () => {
    const json = (await get('/v1/agent/metrics')).json() as Record<string, unknown[]>;
    assert.deepEqual(Object.keys(json).sort(), ['Counters', 'Gauges', 'Points', 'Samples', 'Timestamp']);
    assert.ok(json['Gauges']?.some((gauge) => (gauge as { Name: string }).Name === 'consul.agent.local.services'));
    const prometheus = await get('/v1/agent/metrics?format=prometheus');
    assert.match(String(prometheus.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(prometheus.body, /consul_agent_local_services 1/);
  });

  it('reports the build on /version', async () => {
    assert.deepEqual((await get('/v1/agent/version')).json(), {
      SHA: testBuild.revision,
      BuildDate: testBuild.buildDate,
      HumanVersion: testBuild.consulVersion,
      FIPS: '',
    });
  });

  it('answers 503 on the keyring while gossip is down', async () => {
    assert.equal((await get('/v1/operator/keyring')).statusCode, 503);
  });
});

describe('/v1/agent namespaces and partitions (Consul CE parseEntMeta)', () => {
  const namespaceQuery = 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature';
  const partitionQuery = 'Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature';
  const partitionHeader = 'Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature';
  type Request = { method: 'GET' | 'PUT'; url: string; payload?: string };
  const send = (request: Request, query: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: request.method,
      url: `${request.url}${request.url.includes('?') ? '&' : '?'}${query}`,
      headers,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });

  it('refuses ?ns and a partition on the service and check endpoints, changing nothing', async () => {
    const before = [get('/v1/agent/services'), get('/v1/agent/checks')];
    const snapshot = await Promise.all(before.map(async (response) => (await response).body));
    const refused: Request[] = [
      { method: 'GET', url: '/v1/agent/services' },
      { method: 'GET', url: '/v1/agent/service/web' },
      { method: 'PUT', url: '/v1/agent/service/register', payload: '{"Name":"team-web","Port":1}' },
      { method: 'PUT', url: '/v1/agent/service/deregister/web' },
      { method: 'PUT', url: '/v1/agent/service/maintenance/web?enable=true' },
      { method: 'GET', url: '/v1/agent/health/service/id/web' },
      { method: 'GET', url: '/v1/agent/health/service/name/web' },
      { method: 'GET', url: '/v1/agent/checks' },
      { method: 'PUT', url: '/v1/agent/check/register', payload: '{"Name":"team-check","TTL":"10s"}' },
      { method: 'PUT', url: '/v1/agent/check/deregister/service:web' },
      { method: 'PUT', url: '/v1/agent/check/pass/service:web' },
      { method: 'PUT', url: '/v1/agent/check/warn/service:web' },
      { method: 'PUT', url: '/v1/agent/check/fail/service:web' },
      { method: 'PUT', url: '/v1/agent/check/update/service:web', payload: '{"Status":"critical"}' },
    ];
    for (const request of refused) {
      const byQuery = await send(request, 'ns=team-a');
      assert.deepEqual([request.url, byQuery.statusCode, byQuery.body], [request.url, 400, namespaceQuery]);
      const byHeader = await send(request, '', { 'x-consul-partition': 'p1' });
      assert.deepEqual([request.url, byHeader.statusCode, byHeader.body], [request.url, 400, partitionHeader]);
    }
    const after = await Promise.all([get('/v1/agent/services'), get('/v1/agent/checks')]);
    assert.deepEqual(
      after.map((response) => response.body),
      snapshot,
    );
  });

  it("checks what Consul checks first: maintenance's enable flag and a check update's status", async () => {
    const maintenance = await send({ method: 'PUT', url: '/v1/agent/service/maintenance/web' }, 'ns=team-a');
    assert.deepEqual([maintenance.statusCode, maintenance.body], [400, 'Missing value for enable']);
    const update = await send(
      { method: 'PUT', url: '/v1/agent/check/update/service:web', payload: '{"Status":"bogus"}' },
      'ns=team-a',
    );
    assert.equal(update.statusCode, 400);
    assert.match(update.body, /^Invalid check status/);
  });

  it('members, join and force-leave refuse only a partition (Consul reads no namespace there)', async () => {
    const partitioned: Request[] = [
      { method: 'GET', url: '/v1/agent/members' },
      { method: 'PUT', url: '/v1/agent/join/127.0.0.2' },
      { method: 'PUT', url: '/v1/agent/force-leave/nope' },
    ];
    for (const request of partitioned) {
      const refused = await send(request, 'partition=p1');
      assert.deepEqual([request.url, refused.statusCode, refused.body], [request.url, 400, partitionQuery]);
    }
    assert.equal((await send(partitioned[0]!, 'ns=team-a')).statusCode, 200);
    assert.equal((await send(partitioned[1]!, 'ns=team-a')).statusCode, 200);
    const forceLeave = await send(partitioned[2]!, 'ns=team-a');
    assert.match(forceLeave.body, /No node found with name 'nope'/);
    // Consul checks a WAN segment before the partition.
    const segment = await send({ method: 'GET', url: '/v1/agent/members?wan=1&segment=s1' }, 'partition=p1');
    assert.deepEqual([segment.statusCode, segment.body], [400, 'Cannot provide a segment with wan=true']);
  });

  it('self, version and metrics ignore both (Consul never parses enterprise meta there)', async () => {
    for (const url of ['/v1/agent/self', '/v1/agent/version', '/v1/agent/metrics']) {
      const served = await get(`${url}?ns=team-a&partition=p1`);
      assert.equal(served.statusCode, 200, url);
    }
  });
});
