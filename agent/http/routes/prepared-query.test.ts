// Proves /v1/query end to end below Raft: fastify's inject drives the routes, whose RPCs run the real
// PreparedQuery endpoint over a real StateStore (server/testing/endpoint-rpc.ts). Checked together: create answers
// {"ID"}, list/get shapes and index headers, update by URL ID, delete, execute (health, tags, limit, near=_agent,
// Failovers 0 with no other datacenter), explain of a rendered template, Consul's 404 `Query not found`, and bad
// input: malformed JSON, wrong types, Consul's validation texts, a bad limit and wrong methods.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` is the prepared-query template language.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureRegistration } from '../../../server/state/catalog-ops.js';
import { StateStore } from '../../../server/state/store.js';
import { endpointRpc } from '../../../server/testing/endpoint-rpc.js';
import { apiWithRpc, testConfig } from '../testing/fake-rpc.js';

async function setup() {
  const store = new StateStore();
  const config = testConfig({ node_name: 'agent-1', datacenter: 'dc1' });
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
  const app = await apiWithRpc(endpointRpc(store).rpc, config);
  const create = async (body: unknown): Promise<string> => {
    const reply = await app.inject({ method: 'POST', url: '/v1/query', payload: JSON.stringify(body) });
    assert.equal(reply.statusCode, 200, reply.body);
    return (JSON.parse(reply.body) as { ID: string }).ID;
  };
  return { app, store, create };
}

const nodesOf = (body: string): string[] =>
  (JSON.parse(body) as { Nodes: { Node: { Node: string } }[] }).Nodes.map((entry) => entry.Node.Node).sort();

describe('/v1/query', () => {
  it('creates, lists, gets, updates and deletes with Consul’s shapes', async () => {
    const { app, create } = await setup();
    const list0 = await app.inject({ method: 'GET', url: '/v1/query' });
    assert.equal(list0.statusCode, 200);
    assert.equal(list0.body, '[]');
    const id = await create({ Name: 'web-q', Service: { Service: 'web', Tags: ['primary'] }, DNS: { TTL: '10s' } });
    assert.match(id, /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/);
    const got = await app.inject({ method: 'GET', url: `/v1/query/${id}` });
    assert.equal(got.statusCode, 200);
    assert.ok(Number(got.headers['x-consul-index']) >= 1);
    const [query] = JSON.parse(got.body) as Record<string, unknown>[];
    assert.deepEqual(query, {
      ID: id,
      Name: 'web-q',
      Session: '',
      Token: '',
      Template: { Type: '', Regexp: '', RemoveEmptyTags: false },
      Service: {
        Service: 'web',
        Failover: { NearestN: 0, Datacenters: null, Targets: null },
        OnlyPassing: false,
        IgnoreCheckIDs: null,
        Near: '',
        Tags: ['primary'],
        NodeMeta: null,
        ServiceMeta: null,
        Connect: false,
      },
      DNS: { TTL: '10s' },
      CreateIndex: query?.['CreateIndex'],
      ModifyIndex: query?.['CreateIndex'],
    });
    const updated = await app.inject({
      method: 'PUT',
      url: `/v1/query/${id}`,
      payload: JSON.stringify({ ID: 'ignored', Name: 'web-q', Service: { Service: 'web', OnlyPassing: true } }),
    });
    assert.equal(updated.statusCode, 200);
    assert.equal(updated.body, '');
    const list = JSON.parse((await app.inject({ method: 'GET', url: '/v1/query' })).body) as { ID: string }[];
    assert.deepEqual(
      list.map((row) => row.ID),
      [id],
    );
    const upper = await app.inject({ method: 'GET', url: `/v1/query/${id.toUpperCase()}` });
    assert.equal(upper.statusCode, 200, 'IDs compare case-insensitively, as Consul’s UUID index');
    const deleted = await app.inject({ method: 'DELETE', url: `/v1/query/${id.toUpperCase()}` });
    assert.equal(deleted.statusCode, 200);
    const gone = await app.inject({ method: 'GET', url: `/v1/query/${id}` });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.body, 'Query not found');
  });

  it('executes by ID or name: healthy instances with the tags, limit, _agent first, Failovers 0', async () => {
    const { app, create } = await setup();
    const id = await create({ Name: 'web-q', Service: { Service: 'web', Tags: ['primary', '!canary'] } });
    const byId = await app.inject({ method: 'GET', url: `/v1/query/${id}/execute` });
    assert.equal(byId.statusCode, 200, byId.body);
    assert.deepEqual(nodesOf(byId.body), ['agent-1', 'n2']);
    const body = JSON.parse(byId.body) as Record<string, unknown>;
    assert.deepEqual(
      [body['Service'], body['Datacenter'], body['Failovers'], body['DNS']],
      ['web', 'dc1', 0, { TTL: '' }],
    );
    assert.equal(body['KnownLeader'], true);
    const byName = await app.inject({ method: 'GET', url: '/v1/query/WEB-Q/execute?limit=1&near=_agent' });
    assert.deepEqual(nodesOf(byName.body), ['agent-1']);
    // With every instance failing, failover finds no other datacenter: an empty answer, not an error.
    const failover = await create({
      Name: 'db-q',
      Service: { Service: 'db', Failover: { NearestN: 3, Datacenters: ['dc2'] } },
    });
    const empty = await app.inject({ method: 'GET', url: `/v1/query/${failover}/execute` });
    assert.equal(empty.statusCode, 200);
    const emptyBody = JSON.parse(empty.body) as Record<string, unknown>;
    assert.deepEqual([emptyBody['Nodes'], emptyBody['Failovers']], [[], 0]);
  });

  it('renders templates for execute and explain, longest prefix first', async () => {
    const { app, create } = await setup();
    await create({
      Name: 'svc-',
      Template: { Type: 'name_prefix_match', Regexp: '^svc-(.+)$' },
      Service: { Service: '${match(1)}', OnlyPassing: true },
    });
    const executed = await app.inject({ method: 'GET', url: '/v1/query/svc-web/execute' });
    assert.equal(executed.statusCode, 200, executed.body);
    assert.deepEqual(nodesOf(executed.body), ['agent-1', 'n4']);
    const explained = await app.inject({ method: 'GET', url: '/v1/query/svc-web/explain' });
    assert.equal(explained.statusCode, 200);
    const rendered = (JSON.parse(explained.body) as { Query: { Service: { Service: string }; Name: string } }).Query;
    assert.deepEqual([rendered.Name, rendered.Service.Service], ['svc-', 'web']);
    const missing = await app.inject({ method: 'GET', url: '/v1/query/nothing/explain' });
    assert.deepEqual([missing.statusCode, missing.body], [404, 'Query not found']);
    const missingExecute = await app.inject({ method: 'GET', url: '/v1/query/nothing/execute' });
    assert.deepEqual([missingExecute.statusCode, missingExecute.body], [404, 'Query not found']);
  });

  it('refuses bad input with Consul’s texts and changes nothing', async () => {
    const { app, create } = await setup();
    const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/query', payload });
    const cases: [string, number, RegExp][] = [
      ['{"Name": ', 400, /^Request decode failed: /],
      ['', 400, /^Request decode failed: EOF$/],
      ['{"Name": 7, "Service": {"Service": "web"}}', 400, /^Request decode failed: cannot unmarshal number/],
      ['{"Name": "q", "Service": {"Service": "web", "Tags": "a"}}', 400, /cannot unmarshal string into field/],
      // Consul's handler returns PreparedQuery.Apply's error as it is: its wrap answers 500 with the text.
      ['{"Name": "q", "Service": {}}', 500, /^Invalid prepared query: Must provide a Service name to query$/],
      ['{"Service": {"Service": "web"}}', 500, /^Invalid prepared query: Must be bound to a session$/],
      ['{"ID": "x", "Name": "q", "Service": {"Service": "web"}}', 500, /^ID must be empty when creating/],
      [
        '{"Name": "q", "Service": {"Service": "web"}, "DNS": {"TTL": "soon"}}',
        500,
        /^Invalid prepared query: Bad DNS TTL 'soon': /,
      ],
      [
        '{"Name": "q", "Service": {"Service": "web", "Failover": {"NearestN": -1}}}',
        500,
        /^Invalid prepared query: Bad NearestN '-1', must be >= 0$/,
      ],
      ['{"Name": "q", "Session": "nope", "Service": {"Service": "web"}}', 500, /^invalid session "nope"$/],
      [
        '{"Name": "t", "Template": {"Type": "name_prefix_match", "Regexp": "("}, "Service": {"Service": "x"}}',
        500,
        /^failed compiling template: Bad Regexp: /,
      ],
    ];
    for (const [payload, status, message] of cases) {
      const reply = await post(payload);
      assert.equal(reply.statusCode, status, `${payload}: ${reply.body}`);
      assert.match(reply.body, message, payload);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/v1/query' })).body, '[]');
    await create({ Name: 'q', Service: { Service: 'web' } });
    const duplicate = await post('{"Name": "Q", "Service": {"Service": "web"}}');
    assert.deepEqual([duplicate.statusCode, duplicate.body], [500, "name 'Q' aliases an existing query name"]);
    const unknownUpdate = await app.inject({
      method: 'PUT',
      url: '/v1/query/00000000-0000-0000-0000-000000000000',
      payload: '{"Name": "z", "Service": {"Service": "web"}}',
    });
    assert.deepEqual(
      [unknownUpdate.statusCode, unknownUpdate.body],
      [500, "Cannot modify non-existent prepared query: '00000000-0000-0000-0000-000000000000'"],
    );
    const unknownDelete = await app.inject({ method: 'DELETE', url: '/v1/query/nothing' });
    assert.deepEqual(
      [unknownDelete.statusCode, unknownDelete.body],
      [500, "Cannot modify non-existent prepared query: 'nothing'"],
    );
    // Consul's handler returns fmt.Errorf("Bad limit: %s", err) itself: 500, for execute and explain alike.
    for (const [url, text] of [
      ['/v1/query/q/execute?limit=ten', 'Bad limit: strconv.Atoi: parsing "ten": invalid syntax'],
      ['/v1/query/q/explain?limit=1.5', 'Bad limit: strconv.Atoi: parsing "1.5": invalid syntax'],
      [
        '/v1/query/q/execute?limit=99999999999999999999',
        'Bad limit: strconv.Atoi: parsing "99999999999999999999": value out of range',
      ],
    ] as const) {
      const badLimit = await app.inject({ method: 'GET', url });
      assert.deepEqual([badLimit.statusCode, badLimit.body], [500, text], url);
    }
    // Inside int64 but past JavaScript's safe integers: a valid limit larger than any answer.
    const hugeLimit = await app.inject({ method: 'GET', url: '/v1/query/q/execute?limit=%2B9223372036854775807' });
    assert.equal(hugeLimit.statusCode, 200, hugeLimit.body);
    assert.deepEqual(nodesOf(hugeLimit.body), ['agent-1', 'n2', 'n4']);
    const wrongMethod = await app.inject({ method: 'PUT', url: '/v1/query/q/execute' });
    assert.deepEqual([wrongMethod.statusCode, wrongMethod.headers['allow']], [405, 'OPTIONS,GET']);
    const options = await app.inject({ method: 'OPTIONS', url: '/v1/query/q/explain' });
    assert.deepEqual([options.statusCode, options.headers['allow']], [200, 'OPTIONS,GET']);
    const patch = await app.inject({ method: 'PATCH', url: '/v1/query' });
    assert.deepEqual([patch.statusCode, patch.headers['allow']], [405, 'OPTIONS,POST,GET']);
  });

  it('takes names with slashes whole, and ?connect=true asks for Connect-capable endpoints', async () => {
    const { app, create } = await setup();
    await create({ Name: 'team/web', Service: { Service: 'web', Tags: ['canary'] } });
    const executed = await app.inject({ method: 'GET', url: '/v1/query/team/web/execute' });
    assert.equal(executed.statusCode, 200, executed.body);
    assert.deepEqual(nodesOf(executed.body), ['n4']);
    const explained = await app.inject({ method: 'GET', url: '/v1/query/team/web/explain' });
    assert.equal((JSON.parse(explained.body) as { Query: { Name: string } }).Query.Name, 'team/web');
    // No proxy or native instance of web exists: the Connect answer is empty.
    const connect = await app.inject({ method: 'GET', url: '/v1/query/team/web/execute?connect=true' });
    assert.deepEqual((JSON.parse(connect.body) as { Nodes: unknown[] }).Nodes, []);
    // Consul reads the value with strconv.ParseBool: a bare ?connect (empty value) or =0 asks for the service itself.
    for (const flag of ['connect', 'connect=', 'connect=0', 'connect=False'])
      assert.deepEqual(nodesOf((await app.inject({ url: `/v1/query/team/web/execute?${flag}` })).body), ['n4'], flag);
    const bad = await app.inject({ url: '/v1/query/team/web/execute?connect=yes' });
    assert.deepEqual(
      [bad.statusCode, bad.body],
      [500, 'Error parsing \'connect\' value: strconv.ParseBool: parsing "yes": invalid syntax'],
    );
  });

  it('answers a template asked by its ID with Consul’s error', async () => {
    const { app, create } = await setup();
    const id = await create({ Name: 't-', Template: { Type: 'name_prefix_match' }, Service: { Service: 'web' } });
    const reply = await app.inject({ method: 'GET', url: `/v1/query/${id}/execute` });
    assert.deepEqual(
      [reply.statusCode, reply.body],
      [500, 'prepared query templates can only be resolved up by name, not by ID'],
    );
  });
});
