// Proves how validateConfig merges sources and fills defaults, on literal objects (no files): later sources win,
// lists concatenate, lone service/check blocks join the lists, flags override files, -dev changes Consul's
// defaults, and relations between fields are checked after the merge.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem } from './problems.js';
import { testEnvironment, testNodeId } from './testing.js';
import { type ConfigInit, validateConfig } from './validate.js';

const base: ConfigInit = { sourceName: 'base.json', values: { data_dir: '/var/lib/lattice' } };

function validate(inits: ConfigInit[], devMode = false) {
  const result = validateConfig(inits, { devMode, environment: testEnvironment });
  return { ...result, messages: result.errors.map(formatProblem), warningMessages: result.warnings.map(formatProblem) };
}

function valid(inits: ConfigInit[], devMode = false) {
  const result = validate(inits, devMode);
  assert.deepEqual(result.messages, []);
  assert.ok(result.config);
  return result.config;
}

describe('validateConfig defaults', () => {
  it("fills Consul's defaults", () => {
    const config = valid([base]);
    assert.equal(config.datacenter, 'dc1');
    assert.equal(config.domain, 'consul.');
    assert.deepEqual(config.clientAddrs, ['127.0.0.1']);
    assert.equal(config.bindAddr, '0.0.0.0');
    assert.equal(config.advertiseAddr, '10.1.2.3', 'a wildcard bind advertises the private address');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.server, false);
    assert.equal(config.nodeName, 'test-host');
    assert.equal(config.nodeId, testNodeId);
    assert.deepEqual(
      { ...config.ports },
      {
        dns: 8600,
        http: 8500,
        https: -1,
        grpc: -1,
        grpcTls: -1,
        serfLan: 8301,
        serfWan: 8302,
        server: 8300,
        sidecarMinPort: 21000,
        sidecarMaxPort: 21255,
        exposeMinPort: 21500,
        exposeMaxPort: 21755,
      },
    );
    assert.equal(config.raftMultiplier, 5);
    assert.equal(config.raft.electionTimeoutMs, 5000);
    assert.deepEqual(
      { ...config.autopilot },
      {
        cleanupDeadServers: true,
        lastContactThresholdMs: 200,
        maxTrailingLogs: 250,
        serverStabilizationTimeMs: 10_000,
      },
      "Consul's default.go autopilot block",
    );
    assert.equal(config.reconnectTimeoutMs, 72 * 3_600_000);
    assert.equal(config.gossipLan.probeIntervalMs, 1000);
    assert.equal(config.gossipWan.probeIntervalMs, 5000);
    assert.equal(config.uiEnabled, false);
    assert.ok(Object.isFrozen(config));
  });

  it("reads the autopilot block (Consul's autopilot.last_contact_threshold and friends)", () => {
    const autopilot = { last_contact_threshold: '1s', cleanup_dead_servers: false, server_stabilization_time: '30s' };
    const config = valid([base, { sourceName: 'a.json', values: { server: true, autopilot } }]);
    assert.deepEqual(
      { ...config.autopilot },
      {
        cleanupDeadServers: false,
        lastContactThresholdMs: 1000,
        maxTrailingLogs: 250,
        serverStabilizationTimeMs: 30_000,
      },
    );
  });

  it('gives servers no gRPC TLS port: Consul defaults 8503 only because its gRPC TLS listener runs there', () => {
    assert.equal(valid([base, { sourceName: 's.json', values: { server: true } }]).ports.grpcTls, -1);
  });

  it('applies -dev overrides: a bootstrapped in-memory server on loopback, fast timings', () => {
    const config = valid([], true);
    assert.equal(config.devMode, true);
    assert.equal(config.server, true);
    assert.equal(config.bootstrap, true);
    assert.equal(config.dataDir, null);
    assert.equal(config.bindAddr, '127.0.0.1');
    assert.equal(config.advertiseAddr, '127.0.0.1');
    assert.equal(config.uiEnabled, true);
    assert.equal(config.connectEnabled, true);
    assert.equal(config.ports.grpc, 8502);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.nodeName, 'test-host');
    assert.deepEqual(
      { ...config.raft, snapshotThreshold: 0, snapshotIntervalMs: 0, trailingLogs: 0 },
      {
        heartbeatTimeoutMs: 35,
        electionTimeoutMs: 52,
        leaderLeaseTimeoutMs: 20,
        snapshotThreshold: 0,
        snapshotIntervalMs: 0,
        trailingLogs: 0,
      },
    );
    assert.equal(config.gossipLan.probeIntervalMs, 100);
    assert.equal(config.gossipLan.suspicionMultiplier, 3);
  });

  it('lets files override -dev values', () => {
    const config = valid([{ sourceName: 'a.hcl', values: { bind_addr: '127.0.0.2', client_addr: '127.0.0.2' } }], true);
    assert.equal(config.bindAddr, '127.0.0.2');
    assert.deepEqual(config.clientAddrs, ['127.0.0.2']);
  });
});

describe('validateConfig merging', () => {
  it('lets later sources win for scalars and merges objects key by key', () => {
    const config = valid([
      base,
      { sourceName: 'a.json', values: { datacenter: 'east', ports: { http: 9500, dns: 9600 } } },
      { sourceName: 'b.json', values: { datacenter: 'west', ports: { dns: 9700 } } },
    ]);
    assert.equal(config.datacenter, 'west');
    assert.equal(config.ports.http, 9500);
    assert.equal(config.ports.dns, 9700);
  });

  it('concatenates lists, and a lone service block joins services', () => {
    const config = valid([
      base,
      { sourceName: 'a.json', values: { retry_join: ['a'], services: [{ name: 'one' }], service: { name: 'two' } } },
      { sourceName: 'b.json', values: { retry_join: ['b'], service: [{ name: 'three' }] } },
    ]);
    assert.deepEqual(config.retryJoin, ['a', 'b']);
    assert.deepEqual(
      config.services.map((service) => [service.id, service.sourceName]),
      [
        ['one', 'a.json'],
        ['two', 'a.json'],
        ['three', 'b.json'],
      ],
    );
  });

  it('merges user maps (node_meta) key by key', () => {
    const config = valid([
      base,
      { sourceName: 'a.json', values: { node_meta: { a: '1', b: '1' } } },
      { sourceName: 'flags', values: { node_meta: { b: '2' } } },
    ]);
    assert.deepEqual({ ...config.nodeMeta }, { a: '1', b: '2' });
  });

  it('reads Consul CamelCase service fields and keeps meta keys verbatim', () => {
    const config = valid([
      base,
      {
        sourceName: 'svc.json',
        values: {
          Services: [
            {
              Name: 'web',
              ID: 'web-1',
              Meta: { SomeKey: 'x' },
              Checks: [{ CheckID: 'c1', Name: 'c', TTL: '30s', DeregisterCriticalServiceAfter: '2m' }],
            },
          ],
        },
      },
    ]);
    const service = config.services[0]!;
    assert.equal(service.id, 'web-1');
    assert.deepEqual({ ...service.meta }, { SomeKey: 'x' });
    assert.equal(service.checks[0]!.id, 'c1');
    assert.equal(service.checks[0]!.kind, 'ttl');
    assert.equal(service.checks[0]!.ttlMs, 30_000);
    assert.equal(service.checks[0]!.deregisterCriticalServiceAfterMs, 120_000);
  });

  it('fills service and sidecar defaults the way Consul does', () => {
    const config = valid([
      base,
      {
        sourceName: 'web.hcl',
        values: {
          service: [
            {
              name: 'web',
              port: 8080,
              tags: ['v1'],
              checks: [
                { http: 'http://x/health', interval: '10s' },
                { tcp: 'x:1', interval: '5s' },
              ],
              connect: [
                { sidecar_service: [{ proxy: [{ upstreams: [{ destination_name: 'api', local_bind_port: 9191 }] }] }] },
              ],
            },
          ],
        },
      },
    ]);
    const web = config.services[0]!;
    assert.equal(web.id, 'web');
    assert.deepEqual(
      web.checks.map((check) => [check.id, check.name, check.status, check.timeoutMs]),
      [
        ['service:web:1', "Service 'web' check", 'critical', 10_000],
        ['service:web:2', "Service 'web' check", 'critical', 10_000],
      ],
    );
    const sidecar = web.sidecarService!;
    assert.equal(sidecar.id, 'web-sidecar-proxy');
    assert.equal(sidecar.name, 'web-sidecar-proxy');
    assert.equal(sidecar.kind, 'connect-proxy');
    assert.deepEqual(sidecar.tags, ['v1']);
    assert.equal(sidecar.proxy?.destinationServiceName, 'web');
    assert.equal(sidecar.proxy?.localServicePort, 8080);
    assert.equal(sidecar.proxy?.upstreams[0]?.localBindPort, 9191);
  });
});

describe('validateConfig relations', () => {
  const cases: { name: string; inits: ConfigInit[]; dev?: boolean; errors: string[] }[] = [
    {
      name: 'data_dir is required outside -dev',
      inits: [],
      errors: ['configuration: data_dir: required (set data_dir or -data-dir, or run with -dev)'],
    },
    {
      name: 'bootstrap with bootstrap_expect',
      inits: [base, { sourceName: 's.hcl', values: { server: true, bootstrap: true, bootstrap_expect: 3 } }],
      errors: ['s.hcl: bootstrap_expect: cannot be combined with bootstrap = true'],
    },
    {
      name: 'bootstrap_expect on a client',
      inits: [base, { sourceName: 'c.json', values: { bootstrap_expect: 3 } }],
      errors: ['c.json: bootstrap_expect: only servers bootstrap: set server = true'],
    },
    {
      name: 'two listeners on one port',
      inits: [base, { sourceName: 'p.json', values: { ports: { dns: 8500 } } }],
      errors: ['p.json: ports.dns: port 8500 on 127.0.0.1 is also used by ports.http (set in defaults)'],
    },
    {
      name: 'a wildcard address collides with a specific one',
      inits: [base, { sourceName: 'p.json', values: { bind_addr: '127.0.0.1', ports: { serf_lan: 8500 } } }],
      errors: ['p.json: ports.serf_lan: port 8500 on 127.0.0.1 is also used by ports.http (set in defaults)'],
    },
    {
      name: 'duplicate service IDs across files',
      inits: [
        base,
        { sourceName: 'a.json', values: { service: { name: 'web' } } },
        { sourceName: 'b.json', values: { services: [{ name: 'other', id: 'web' }] } },
      ],
      errors: ['b.json: services[0].id: duplicate service ID "web" (first defined in a.json)'],
    },
    {
      name: 'duplicate check IDs across services',
      inits: [
        base,
        { sourceName: 'a.json', values: { service: { name: 'a', check: { id: 'alive', ttl: '10s' } } } },
        { sourceName: 'b.json', values: { service: { name: 'b', checks: [{ id: 'alive', ttl: '10s' }] } } },
      ],
      errors: ['b.json: service.checks: duplicate check ID "alive" (first defined in a.json)'],
    },
    {
      name: 'a check with ttl and interval',
      inits: [base, { sourceName: 'c.json', values: { check: { name: 'c', ttl: '10s', interval: '10s' } } }],
      errors: ['c.json: check.interval: a TTL check has no interval (ttl and interval are exclusive)'],
    },
    {
      name: 'a script check without enable_local_script_checks',
      inits: [base, { sourceName: 'c.json', values: { check: { name: 'c', args: ['/bin/true'], interval: '10s' } } }],
      errors: [
        'c.json: check.args: script checks are off: set enable_local_script_checks = true to run checks defined in config files',
      ],
    },
    {
      name: 'a check with no type, and one with two',
      inits: [
        base,
        { sourceName: 'c.json', values: { checks: [{ name: 'a' }, { name: 'b', tcp: 'x:1', http: 'http://x' }] } },
      ],
      errors: [
        'c.json: checks[0]: a check needs one of http, tcp, udp, ttl, args, docker_container_id, grpc, h2ping, alias_service, alias_node, os_service',
        'c.json: checks[1]: a check has one type, got http and tcp',
      ],
    },
    {
      name: 'an upstream without a port',
      inits: [
        base,
        {
          sourceName: 'u.json',
          values: {
            service: {
              name: 'w',
              connect: { sidecar_service: { proxy: { upstreams: [{ destination_name: 'api' }] } } },
            },
          },
        },
      ],
      errors: [
        'u.json: service.connect.sidecar_service.proxy.upstreams[0].local_bind_port: required (or local_bind_socket_path)',
      ],
    },
  ];
  for (const testCase of cases) {
    it(`refuses ${testCase.name}`, () => {
      const result = validate(testCase.inits, testCase.dev ?? false);
      assert.deepEqual(result.messages, testCase.errors);
      assert.equal(result.config, null);
    });
  }

  it('reports every error of every source at once', () => {
    const result = validate([
      base,
      { sourceName: 'a.json', values: { ports: { http: 'abc' }, server: 'yes' } },
      { sourceName: 'b.json', values: { encrypt: 'c2hvcnQ=', retry_join: 'x' } },
    ]);
    assert.deepEqual(result.messages, [
      'a.json: ports.http: expected an integer port 1-65535 or -1, got "abc"',
      'a.json: server: expected true or false, got "yes"',
      'b.json: encrypt: expected a key of 16, 24 or 32 bytes, got 5 bytes',
      'b.json: retry_join: expected a list of strings, got "x"',
    ]);
  });

  it('warns about an unknown key and still starts', () => {
    const result = validate([base, { sourceName: 'a.json', values: { x: 1, ports: { htp: 1 } } }]);
    assert.deepEqual(result.messages, []);
    assert.deepEqual(result.warningMessages, ['a.json: unknown key "x"', 'a.json: unknown key "ports.htp"']);
    assert.ok(result.config);
  });

  it("raises an interval under 1s and a deregister_critical_service_after under 1m to Consul's minimums, with warnings", () => {
    const result = validate([
      base,
      {
        sourceName: 'c.json',
        values: {
          checks: [{ name: 'c', tcp: 'x:1', interval: '500ms' }],
          service: { name: 'w', check: { ttl: '5s', deregister_critical_service_after: '30s' } },
        },
      },
    ]);
    assert.deepEqual(result.messages, []);
    assert.deepEqual(result.warningMessages, [
      'c.json: service.check.deregister_critical_service_after: check has deregister interval below minimum: 30s raised to minimum_interval=1m0s',
      'c.json: checks[0].interval: check has interval below minimum: 500ms raised to minimum_interval=1s',
    ]);
    assert.equal(result.config?.checks[0]?.intervalMs, 1000);
    assert.equal(result.config?.services[0]?.checks[0]?.deregisterCriticalServiceAfterMs, 60_000);
  });

  it('takes a check with alias_node alone as an alias of that node (Consul IsAlias)', () => {
    const config = valid([base, { sourceName: 'a.json', values: { check: { name: 'vm', alias_node: 'vm-1' } } }]);
    assert.equal(config.checks[0]?.kind, 'alias');
    assert.equal(config.checks[0]?.aliasNode, 'vm-1');
    assert.equal(config.checks[0]?.aliasService, null);
  });

  it('warns about an even bootstrap_expect', () => {
    const result = validate([base, { sourceName: 's.json', values: { server: true, bootstrap_expect: 2 } }]);
    assert.deepEqual(result.messages, []);
    assert.match(result.warningMessages[0] ?? '', /^s\.json: bootstrap_expect: 2 servers/);
  });
});
