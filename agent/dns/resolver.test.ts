// Proves the answers the DNS interface builds from a catalog (through a fake RpcClient, no sockets): health
// filtering (critical out, warning kept unless only_passing), SRV weights and targets (node name, or the hex addr
// name when the service address differs), TTL patterns, CNAMEs for hostnames, node A/TXT, PTR, SOA/NS, and the
// rcodes Consul gives for unknown names, empty types and unknown datacenters (.query names: prepared-query.test.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Answer } from 'dns-packet';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { defaultSoaSettings } from './records.js';
import { DnsResolver, type DnsResolverConfig, type Resolution } from './resolver.js';
import { FakeCatalog, fakeInstance, fakeNode } from './testing/fake-catalog.js';

const baseConfig: DnsResolverConfig = {
  domain: 'consul.',
  altDomain: null,
  datacenter: 'dc1',
  allowStale: true,
  maxStaleMs: 87_600 * 3_600_000,
  onlyPassing: false,
  aRecordLimit: 0,
  nodeTtlMs: 0,
  serviceTtlMs: {},
  enableAdditionalNodeMetaTxt: true,
  soa: defaultSoaSettings,
  recursorsConfigured: false,
};

function setup(config: Partial<DnsResolverConfig> = {}, lookupExternal?: (name: string) => Promise<readonly Answer[]>) {
  const catalog = new FakeCatalog();
  const clock = new ManualClock();
  const resolver = new DnsResolver(
    {
      rpc: catalog,
      rand: new SeededRand(7),
      clock,
      log: silentLogger(),
      ...(lookupExternal === undefined ? {} : { lookupExternal }),
    },
    { ...baseConfig, ...config },
  );
  return { catalog, resolver };
}

type Answered = Extract<Resolution, { kind: 'answer' }>;

async function ask(resolver: DnsResolver, name: string, type: string): Promise<Answered> {
  const resolution = await resolver.resolve({ name, type });
  assert.equal(resolution.kind, 'answer');
  return resolution as Answered;
}

const dataText = (record: Answer) => ('data' in record ? String(record.data) : '');
const ttlOf = (record: Answer | undefined) => (record !== undefined && 'ttl' in record ? record.ttl : undefined);
const dataOf = (records: readonly Answer[]) =>
  records.map((record) => ('data' in record ? record.data : null)).sort((a, b) => (String(a) < String(b) ? -1 : 1));

function webCatalog(catalog: FakeCatalog): void {
  const n1 = fakeNode('n1', '10.0.0.1', { env: 'prod', 'rfc1035-zone': 'a' });
  const n2 = fakeNode('n2', '10.0.0.2');
  const n3 = fakeNode('n3', '10.0.0.3');
  const n4 = fakeNode('n4', '10.0.0.4');
  catalog.nodes.push(n1, n2, n3, n4);
  catalog.entries.push(
    fakeInstance(n1, 'web', { tags: ['primary'], weights: { Passing: 10, Warning: 2 } }),
    fakeInstance(n2, 'web', { address: '10.0.0.20', status: 'warning', weights: { Passing: 10, Warning: 2 } }),
    fakeInstance(n3, 'web', { status: 'critical' }),
    fakeInstance(n4, 'web', { nodeStatus: 'critical' }),
  );
}

describe('service lookups', () => {
  it('answers A records of instances without critical checks, warning included', async () => {
    const { catalog, resolver } = setup();
    webCatalog(catalog);
    const reply = await ask(resolver, 'web.service.consul', 'A');
    assert.equal(reply.rcode, 'NOERROR');
    assert.deepEqual(dataOf(reply.answers), ['10.0.0.1', '10.0.0.20']);
    assert.ok(reply.answers.every((record) => record.name === 'web.service.consul' && record.type === 'A'));
    assert.deepEqual(reply.authorities, []);
  });

  it('drops warning instances with only_passing', async () => {
    const { catalog, resolver } = setup({ onlyPassing: true });
    webCatalog(catalog);
    assert.deepEqual(dataOf((await ask(resolver, 'web.service.consul', 'A')).answers), ['10.0.0.1']);
  });

  it('filters by tag, in both the dotted and the RFC 2782 form', async () => {
    const { catalog, resolver } = setup();
    webCatalog(catalog);
    assert.deepEqual(dataOf((await ask(resolver, 'primary.web.service.consul', 'A')).answers), ['10.0.0.1']);
    const srv = await ask(resolver, '_web._primary.service.consul', 'SRV');
    assert.equal(srv.answers.length, 1);
  });

  it('answers SRV with weights, node or addr targets, and address records in ADDITIONAL', async () => {
    const { catalog, resolver } = setup();
    webCatalog(catalog);
    const reply = await ask(resolver, 'web.service.consul', 'SRV');
    const srv = reply.answers
      .map((record) => (record.type === 'SRV' ? record.data : null))
      .sort((a, b) => (a!.target < b!.target ? -1 : 1));
    assert.deepEqual(srv, [
      { priority: 1, weight: 2, port: 8080, target: '0a000014.addr.dc1.consul' },
      { priority: 1, weight: 10, port: 8080, target: 'n1.node.dc1.consul' },
    ]);
    const glue = reply.additionals.filter((record) => record.type === 'A');
    assert.deepEqual(glue.map((record) => [record.name, 'data' in record ? record.data : null]).sort(), [
      ['0a000014.addr.dc1.consul', '10.0.0.20'],
      ['n1.node.dc1.consul', '10.0.0.1'],
    ]);
    // Node meta of n1 rides along as TXT for its target (enable_additional_node_meta_txt).
    const txt = reply.additionals.filter((record) => record.type === 'TXT');
    assert.deepEqual(
      txt.map((record) => ('data' in record ? String(record.data) : '')),
      ['env=prod', 'a'],
    );
  });

  it('shuffles answers with the injected Rand', async () => {
    const { catalog, resolver } = setup();
    for (let position = 1; position <= 8; position++)
      catalog.entries.push(fakeInstance(fakeNode(`n${position}`, `10.0.1.${position}`), 'api'));
    const first = (await ask(resolver, 'api.service.consul', 'A')).answers.map(dataText);
    const second = (await ask(resolver, 'api.service.consul', 'A')).answers.map(dataText);
    assert.equal(first.length, 8);
    assert.notDeepEqual(first, second);
  });

  it('caps A answers at a_record_limit and deduplicates one address on several ports', async () => {
    const { catalog, resolver } = setup({ aRecordLimit: 2 });
    const node = fakeNode('n1', '10.0.0.1');
    catalog.entries.push(
      fakeInstance(node, 'api', { id: 'api-1', port: 1 }),
      fakeInstance(node, 'api', { id: 'api-2', port: 2 }),
      fakeInstance(fakeNode('n2', '10.0.0.2'), 'api'),
      fakeInstance(fakeNode('n3', '10.0.0.3'), 'api'),
    );
    const reply = await ask(resolver, 'api.service.consul', 'A');
    assert.equal(reply.answers.length, 2);
    assert.equal(new Set(dataOf(reply.answers)).size, 2);
    const { resolver: unlimited, catalog: same } = setup();
    same.entries.push(...catalog.entries);
    assert.equal((await ask(unlimited, 'api.service.consul', 'A')).answers.length, 3);
  });

  it('answers a CNAME for a hostname service address, and SRV targets the hostname', async () => {
    const { catalog, resolver } = setup();
    catalog.entries.push(fakeInstance(fakeNode('n1', '10.0.0.1'), 'ext', { address: 'db.example.com' }));
    const a = await ask(resolver, 'ext.service.consul', 'A');
    assert.deepEqual(
      a.answers.map((record) => [record.type, 'data' in record ? record.data : null]),
      [['CNAME', 'db.example.com']],
    );
    const srv = await ask(resolver, 'ext.service.consul', 'SRV');
    assert.equal(srv.answers[0]?.type === 'SRV' ? srv.answers[0].data.target : null, 'db.example.com');
  });

  it('resolves hostname targets: external ones through the recursors, ours internally, loops cut short', async () => {
    const asked: string[] = [];
    const { catalog, resolver } = setup({ serviceTtlMs: { '*': 7_000 } }, async (name) => {
      asked.push(name);
      return [{ type: 'A', class: 'IN', name, ttl: 300, data: '192.0.2.7' }];
    });
    const node = fakeNode('n1', '10.0.0.1');
    catalog.entries.push(
      fakeInstance(node, 'ext', { address: 'db.example.com' }),
      fakeInstance(node, 'alias', { address: 'ext.service.consul' }),
      fakeInstance(node, 'loop-a', { address: 'loop-b.service.consul' }),
      fakeInstance(node, 'loop-b', { address: 'loop-a.service.consul' }),
    );
    const a = await ask(resolver, 'ext.service.consul', 'A');
    assert.deepEqual(
      a.answers.map((record) => [record.name, record.type, ttlOf(record), dataText(record)]),
      [
        ['ext.service.consul', 'CNAME', 7, 'db.example.com'],
        ['db.example.com', 'A', 7, '192.0.2.7'],
      ],
    );
    const srv = await ask(resolver, 'ext.service.consul', 'SRV');
    assert.deepEqual(
      srv.additionals.map((record) => [record.name, dataText(record)]),
      [['db.example.com', '192.0.2.7']],
    );
    const alias = await ask(resolver, 'alias.service.consul', 'A');
    assert.deepEqual(
      alias.answers.map((record) => record.type),
      ['CNAME', 'CNAME', 'A'],
    );
    assert.deepEqual(asked, ['db.example.com', 'db.example.com', 'db.example.com']);
    const loop = await ask(resolver, 'loop-a.service.consul', 'A');
    assert.equal(loop.answers[0]?.type, 'CNAME');
    assert.ok(loop.answers.length <= 5, `the loop stopped after ${loop.answers.length} records`);
  });

  const ttlTable: [string, number][] = [
    ['web', 10],
    ['webapp', 30],
    ['db', 5],
  ];
  for (const [service, ttlSeconds] of ttlTable)
    it(`service_ttl gives ${service} ${ttlSeconds}s (exact, longest prefix, then *)`, async () => {
      const { catalog, resolver } = setup({
        serviceTtlMs: { '*': 5_000, 'web*': 10_000, webapp: 30_000 },
        nodeTtlMs: 60_000,
      });
      catalog.entries.push(fakeInstance(fakeNode('n1', '10.0.0.1'), service));
      const reply = await ask(resolver, `${service}.service.consul`, 'SRV');
      assert.equal(ttlOf(reply.answers[0]), ttlSeconds);
      assert.equal(ttlOf(reply.additionals[0]), ttlSeconds);
    });

  const negativeTable: [string, string, string, boolean][] = [
    ['unknown.service.consul', 'A', 'NXDOMAIN', true],
    ['down.service.consul', 'A', 'NXDOMAIN', true],
    ['v6.service.consul', 'A', 'NOERROR', true],
    ['web.service.nowhere.consul', 'A', 'NXDOMAIN', true],
    ['web.service.consul', 'MX', 'NOERROR', true],
    ['nothing.consul', 'A', 'NXDOMAIN', true],
    ['web.ingress.consul', 'A', 'SERVFAIL', false],
  ];
  for (const [name, type, rcode, withSoa] of negativeTable)
    it(`${type} ${name} → ${rcode}${withSoa ? ' with the SOA' : ''}`, async () => {
      const { catalog, resolver } = setup();
      webCatalog(catalog);
      catalog.entries.push(fakeInstance(fakeNode('d1', '10.0.0.9'), 'down', { status: 'critical' }));
      catalog.entries.push(fakeInstance(fakeNode('v1', '2001:db8::1'), 'v6'));
      const reply = await ask(resolver, name, type);
      assert.equal(reply.rcode, rcode);
      assert.deepEqual(reply.answers, []);
      assert.deepEqual(
        reply.authorities.map((record) => record.type),
        withSoa ? ['SOA'] : [],
      );
    });
});

describe('node, addr, PTR, SOA and NS lookups', () => {
  function nodeSetup() {
    const context = setup({ nodeTtlMs: 30_000 });
    const n1 = fakeNode('n1', '10.0.0.1', { env: 'prod', 'rfc1035-zone': 'a', 'a=b': 'c`d' });
    const server = fakeNode('s1', '10.0.0.100');
    context.catalog.nodes.push(n1, server);
    context.catalog.entries.push(fakeInstance(server, 'consul', { port: 8300 }));
    return context;
  }

  it('answers a node A record with node_ttl and its meta as TXT in ADDITIONAL', async () => {
    const { resolver } = nodeSetup();
    const reply = await ask(resolver, 'N1.node.consul', 'A');
    assert.deepEqual(
      reply.answers.map((record) => [record.name, record.type, ttlOf(record), 'data' in record ? record.data : null]),
      [['N1.node.consul', 'A', 30, '10.0.0.1']],
    );
    assert.deepEqual(
      reply.additionals.map((record) => ('data' in record ? String(record.data) : '')),
      ['env=prod', 'a', 'a`=b=c``d'],
    );
  });

  it('answers TXT questions with the meta, and other types with an empty NOERROR', async () => {
    const { resolver } = nodeSetup();
    const txt = await ask(resolver, 'n1.node.dc1.consul', 'TXT');
    assert.deepEqual(
      txt.answers.map((record) => record.type),
      ['TXT', 'TXT', 'TXT'],
    );
    const mx = await ask(resolver, 'n1.node.consul', 'MX');
    assert.equal(mx.rcode, 'NOERROR');
    assert.deepEqual([mx.answers, mx.authorities], [[], []]);
    const missing = await ask(resolver, 'nobody.node.consul', 'A');
    assert.equal(missing.rcode, 'NXDOMAIN');
    assert.deepEqual(
      missing.authorities.map((record) => record.type),
      ['SOA'],
    );
  });

  it('decodes addr names, in ANSWER for their own type and in ADDITIONAL otherwise', async () => {
    const { resolver } = nodeSetup();
    const a = await ask(resolver, '0a000006.addr.dc1.consul', 'A');
    assert.deepEqual(dataOf(a.answers), ['10.0.0.6']);
    const srv = await ask(resolver, '0a000006.addr.dc1.consul', 'SRV');
    assert.deepEqual([srv.rcode, srv.answers.length, dataOf(srv.additionals)], ['NOERROR', 0, ['10.0.0.6']]);
  });

  it('answers PTR for a node address and NXDOMAIN with the SOA for an unknown one', async () => {
    const { resolver } = nodeSetup();
    const found = await ask(resolver, '1.0.0.10.in-addr.arpa', 'PTR');
    assert.deepEqual(dataOf(found.answers), ['n1.node.dc1.consul']);
    const missing = await ask(resolver, '9.9.9.10.in-addr.arpa', 'PTR');
    assert.equal(missing.rcode, 'NXDOMAIN');
    assert.equal(missing.authorities[0]?.type, 'SOA');
  });

  it('forwards PTR misses and names outside the domain when recursors exist', async () => {
    const { resolver } = setup({ recursorsConfigured: true });
    assert.deepEqual(await resolver.resolve({ name: '9.9.9.10.in-addr.arpa', type: 'PTR' }), { kind: 'forward' });
    assert.deepEqual(await resolver.resolve({ name: 'example.com', type: 'A' }), { kind: 'forward' });
  });

  it('answers SOA with ns/hostmaster names and Consul timers, servers as NS with glue', async () => {
    const { resolver } = nodeSetup();
    const soa = await ask(resolver, 'consul', 'SOA');
    const record = soa.answers[0]!;
    assert.equal(record.type, 'SOA');
    if (record.type !== 'SOA') return;
    assert.equal(record.name, 'consul');
    assert.deepEqual(
      [record.data.mname, record.data.rname, record.data.refresh, record.data.retry, record.data.expire],
      ['ns.consul', 'hostmaster.consul', 3600, 600, 86400],
    );
    assert.equal(record.data.minimum, 0);
    assert.deepEqual(dataOf(soa.authorities), ['s1.node.dc1.consul']);
    const ns = await ask(resolver, 'consul', 'NS');
    assert.deepEqual(dataOf(ns.answers), ['s1.node.dc1.consul']);
    assert.deepEqual(dataOf(ns.additionals), ['10.0.0.100']);
  });
});

describe('consistency and deadlines', () => {
  it('answers SERVFAIL once a stalled catalog read passes its deadline', async () => {
    const catalog = new FakeCatalog();
    catalog.hang = true;
    const clock = new ManualClock();
    const resolver = new DnsResolver({ rpc: catalog, rand: new SeededRand(7), clock, log: silentLogger() }, baseConfig);
    const pending = resolver.resolve({ name: 'web.service.consul', type: 'A' });
    clock.advance(6_000);
    const reply = (await pending) as Answered;
    assert.equal(reply.rcode, 'SERVFAIL');
  });

  it('reads stale by default, re-asks the leader past max_stale, and reads default without allow_stale', async () => {
    const stale = setup({ maxStaleMs: 5_000 });
    stale.catalog.entries.push(fakeInstance(fakeNode('n1', '10.0.0.1'), 'web'));
    await ask(stale.resolver, 'web.service.consul', 'A');
    assert.deepEqual(
      stale.catalog.calls.map((call) => call.options.query?.consistency),
      ['stale'],
    );
    stale.catalog.lastContactMs = 10_000;
    await ask(stale.resolver, 'web.service.consul', 'A');
    assert.deepEqual(
      stale.catalog.calls.map((call) => call.options.query?.consistency),
      ['stale', 'stale', 'default'],
    );
    const strict = setup({ allowStale: false });
    await ask(strict.resolver, 'web.service.consul', 'A');
    assert.equal(strict.catalog.calls[0]?.options.query?.consistency, 'default');
  });
});
