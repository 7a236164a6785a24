// Proves `<query>.query[.<dc>].<domain>` lookups through the real PreparedQuery endpoint over a real StateStore
// (server/testing/endpoint-rpc.ts, no sockets): SRV and A answers hold only the instances the query passes (tags,
// OnlyPassing), a template answers any name under its prefix, the TTL is the query's DNS.TTL or else
// dns_config.service_ttl, `_agent` puts this agent's own instance first and `_ip` the asker's node, and an unknown
// query, an empty answer and a template asked by ID are NXDOMAIN (with the SOA), NXDOMAIN and SERVFAIL as Consul's
// preparedQueryLookup.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` is the prepared-query template language.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Answer } from 'dns-packet';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { preparedQueryCommand } from '../../server/fsm/commands.js';
import { ensureRegistration } from '../../server/state/catalog-ops.js';
import { StateStore } from '../../server/state/store.js';
import { endpointRpc } from '../../server/testing/endpoint-rpc.js';
import { defaultSoaSettings } from './records.js';
import { DnsResolver, type Resolution } from './resolver.js';

type Answered = Extract<Resolution, { kind: 'answer' }>;

async function setup(serviceTtlMs: Record<string, number> = {}) {
  const store = new StateStore();
  let index = 0;
  const instance = (node: string, address: string, tags: string[], status: string) =>
    ensureRegistration(store, ++index, {
      Node: node,
      Address: address,
      Service: { ID: 'web', Service: 'web', Tags: tags, Port: 8080 },
      Checks: [{ CheckID: 'web-alive', Name: 'alive', Status: status, ServiceID: 'web' }],
    });
  instance('agent-1', '10.0.0.1', ['primary'], 'passing');
  instance('n2', '10.0.0.2', ['primary'], 'warning');
  instance('n3', '10.0.0.3', ['primary'], 'critical');
  instance('n4', '10.0.0.4', ['canary'], 'passing');
  const server = endpointRpc(store);
  const create = async (Query: Record<string, unknown>): Promise<string> =>
    (await server.context.apply(preparedQueryCommand({ Op: 'create', Query: Query as never }))).value as string;
  const resolver = new DnsResolver(
    { rpc: server.rpc, rand: new SeededRand(3), clock: new ManualClock(), log: silentLogger() },
    {
      domain: 'consul.',
      altDomain: null,
      datacenter: 'dc1',
      nodeName: 'agent-1',
      allowStale: true,
      maxStaleMs: 87_600 * 3_600_000,
      onlyPassing: false,
      aRecordLimit: 0,
      nodeTtlMs: 0,
      serviceTtlMs,
      enableAdditionalNodeMetaTxt: true,
      soa: defaultSoaSettings,
      recursorsConfigured: false,
    },
  );
  const ask = async (name: string, type: string, clientIp = ''): Promise<Answered> => {
    const resolution = await resolver.resolve({ name, type, clientIp });
    assert.equal(resolution.kind, 'answer');
    return resolution as Answered;
  };
  return { create, ask };
}

const srvTargets = (records: readonly Answer[]): string[] =>
  records.map((record) => (record.type === 'SRV' ? record.data.target : '')).sort();
const ttlOf = (record: Answer | undefined) => (record !== undefined && 'ttl' in record ? record.ttl : undefined);

describe('<query>.query lookups', () => {
  it('answers SRV and A with only the instances the query passes, TTL from the query', async () => {
    const { create, ask } = await setup();
    await create({
      ID: '11111111-1111-1111-1111-111111111111',
      Name: 'web-q',
      Service: { Service: 'web', Tags: ['primary'], OnlyPassing: true },
      DNS: { TTL: '30s' },
    });
    const srv = await ask('web-q.query.consul', 'SRV');
    assert.equal(srv.rcode, 'NOERROR');
    assert.deepEqual(srvTargets(srv.answers), ['agent-1.node.dc1.consul']);
    assert.equal(ttlOf(srv.answers[0]), 30);
    assert.equal(srv.additionals[0]?.type, 'A');
    const byId = await ask('11111111-1111-1111-1111-111111111111.query.dc1.consul', 'A');
    assert.deepEqual(
      byId.answers.map((record) => ('data' in record ? record.data : null)),
      ['10.0.0.1'],
    );
  });

  it('keeps warning instances without OnlyPassing and puts this agent first (Near _agent)', async () => {
    const { create, ask } = await setup();
    await create({
      ID: '22222222-2222-2222-2222-222222222222',
      Name: 'near',
      Service: { Service: 'web', Tags: ['!canary'], Near: '_agent' },
    });
    const reply = await ask('near.query.consul', 'SRV');
    assert.deepEqual(srvTargets(reply.answers), ['agent-1.node.dc1.consul', 'n2.node.dc1.consul']);
    assert.equal(reply.answers[0]?.type === 'SRV' ? reply.answers[0].data.target : '', 'agent-1.node.dc1.consul');
  });

  it('sorts `Near: "_ip"` queries near the node that has the asker’s address', async () => {
    const { create, ask } = await setup();
    await create({
      ID: '66666666-6666-6666-6666-666666666666',
      Name: 'by-ip',
      Service: { Service: 'web', Near: '_ip', OnlyPassing: true },
    });
    for (const [clientIp, first] of [
      ['10.0.0.4', 'n4.node.dc1.consul'],
      ['10.0.0.1', 'agent-1.node.dc1.consul'],
    ] as const) {
      const reply = await ask('by-ip.query.consul', 'SRV', clientIp);
      assert.equal(reply.answers[0]?.type === 'SRV' ? reply.answers[0].data.target : '', first, clientIp);
    }
  });

  it('renders a template for any name under its prefix, TTL from service_ttl', async () => {
    const { create, ask } = await setup({ 'web*': 7_000 });
    await create({
      ID: '33333333-3333-3333-3333-333333333333',
      Name: 'svc-',
      Template: { Type: 'name_prefix_match' },
      Service: { Service: '${name.suffix}', Tags: ['canary'] },
    });
    const reply = await ask('svc-web.query.consul', 'SRV');
    assert.deepEqual(srvTargets(reply.answers), ['n4.node.dc1.consul']);
    assert.equal(ttlOf(reply.answers[0]), 7);
  });

  it('answers NXDOMAIN for an unknown query or no instance, SERVFAIL for a template asked by ID', async () => {
    const { create, ask } = await setup();
    const unknown = await ask('nothing.query.consul', 'A');
    assert.deepEqual([unknown.rcode, unknown.authorities.map((record) => record.type)], ['NXDOMAIN', ['SOA']]);
    await create({ ID: '44444444-4444-4444-4444-444444444444', Name: 'db', Service: { Service: 'db' } });
    assert.equal((await ask('db.query.consul', 'A')).rcode, 'NXDOMAIN');
    await create({
      ID: '55555555-5555-5555-5555-555555555555',
      Name: 't-',
      Template: { Type: 'name_prefix_match' },
      Service: { Service: 'web' },
    });
    assert.equal((await ask('55555555-5555-5555-5555-555555555555.query.consul', 'A')).rcode, 'SERVFAIL');
  });
});
