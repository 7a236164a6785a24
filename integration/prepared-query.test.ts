// Proves prepared queries through the real binary: `lattice agent -dev` on 127.0.0.130 (HTTP 8500, DNS 8600),
// instances of `web` registered over HTTP with tags and one failing check, a query and a template created over
// HTTP, executed (only healthy instances with the query's tags; the template renders the service from the name),
// then `dig` asks `<name>.query.consul SRV` and sees only the passing instances, and after the query is deleted
// NXDOMAIN. The npm `consul` client's query.create/get/list/execute/explain/update/destroy work unchanged.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` is the prepared-query template language.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Consul from 'consul';
import { defaultDeadlineMs, type LatticeProcess, startLattice, waitFor } from './helpers/lattice-process.js';

const address = '127.0.0.130';
const base = `http://${address}:8500`;
const nodeName = 'pq-agent';
const digPath = ['/usr/bin/dig', '/bin/dig'].find((path) => existsSync(path));
let agent: LatticeProcess | null = null;

function dig(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      digPath!,
      [`@${address}`, '-p', '8600', '+tries=1', '+time=3', ...args],
      { timeout: defaultDeadlineMs },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

async function ok(method: string, path: string, body?: unknown): Promise<unknown> {
  const { status, text } = await call(method, path, body);
  assert.equal(status, 200, `${method} ${path}: ${text}`);
  return text === '' ? null : JSON.parse(text);
}

interface ExecuteReply {
  Service: string;
  Nodes: { Node: { Node: string }; Service: { Tags: string[]; Port: number } }[];
  DNS: { TTL: string };
  Datacenter: string;
  Failovers: number;
}

const nodesOf = (reply: ExecuteReply): string[] => reply.Nodes.map((entry) => entry.Node.Node).sort();
const sortedLines = (text: string) => text.trim().split('\n').filter(Boolean).sort();

describe('prepared queries through a -dev agent', {
  skip: digPath === undefined ? 'dig is not installed' : false,
}, () => {
  before(async () => {
    agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, `-node=${nodeName}`]);
    await waitFor(
      async () => {
        if (agent?.hasExited) throw new Error(`lattice exited\n${agent.output}`);
        const response = await fetch(`${base}/v1/status/leader`).catch(() => null);
        return response?.ok === true && (await response.json()) !== '';
      },
      { what: 'a -dev agent with a leader' },
    );
    const instances: [string, string, string[], string][] = [
      ['pq-host-1', '10.60.0.1', ['primary'], 'passing'],
      ['pq-host-2', '10.60.0.2', ['primary'], 'critical'],
      ['pq-host-3', '10.60.0.3', ['primary', 'canary'], 'passing'],
      ['pq-host-4', '10.60.0.4', ['secondary'], 'passing'],
    ];
    for (const [node, nodeAddress, tags, status] of instances)
      await ok('PUT', '/v1/catalog/register', {
        Node: node,
        Address: nodeAddress,
        Service: { ID: 'web', Service: 'web', Tags: tags, Port: 8080 },
        Check: { CheckID: 'web-alive', Name: 'web alive', Status: status, ServiceID: 'web' },
      });
  });

  after(() => agent?.kill());

  let queryId = '';

  it('creates a query over HTTP and executes it: healthy instances with the tags only', async () => {
    const created = (await ok('POST', '/v1/query', {
      Name: 'web-primary',
      Service: { Service: 'web', Tags: ['primary', '!canary'] },
      DNS: { TTL: '15s' },
    })) as { ID: string };
    queryId = created.ID;
    assert.match(queryId, /^[\da-f-]{36}$/);
    const [stored] = (await ok('GET', `/v1/query/${queryId}`)) as { Name: string; DNS: { TTL: string } }[];
    assert.deepEqual([stored?.Name, stored?.DNS.TTL], ['web-primary', '15s']);
    const executed = (await ok('GET', '/v1/query/web-primary/execute')) as ExecuteReply;
    assert.deepEqual(nodesOf(executed), ['pq-host-1']);
    assert.deepEqual(
      [executed.Service, executed.Datacenter, executed.Failovers, executed.DNS.TTL],
      ['web', 'dc1', 0, '15s'],
    );
  });

  it('renders a template from the name asked', async () => {
    await ok('POST', '/v1/query', {
      Name: 'tagged-',
      Template: { Type: 'name_prefix_match', Regexp: '^tagged-([a-z]+)-(.+)$' },
      Service: { Service: '${match(2)}', Tags: ['${match(1)}'] },
    });
    const executed = (await ok('GET', '/v1/query/tagged-secondary-web/execute')) as ExecuteReply;
    assert.deepEqual(nodesOf(executed), ['pq-host-4']);
    const explained = (await ok('GET', '/v1/query/tagged-primary-web/explain')) as {
      Query: { Service: { Service: string; Tags: string[] } };
    };
    assert.deepEqual([explained.Query.Service.Service, explained.Query.Service.Tags], ['web', ['primary']]);
  });

  it('answers `dig <name>.query.consul SRV` with only passing instances, NXDOMAIN once deleted', async () => {
    assert.deepEqual(sortedLines(await dig('+short', 'web-primary.query.consul', 'SRV')), [
      '1 1 8080 pq-host-1.node.dc1.consul.',
    ]);
    const full = await dig('web-primary.query.consul', 'SRV');
    assert.match(full, /web-primary\.query\.consul\.\s+15\s+IN\s+SRV/, 'TTL from the query');
    assert.deepEqual(sortedLines(await dig('+short', 'tagged-primary-web.query.consul', 'SRV')), [
      '1 1 8080 pq-host-1.node.dc1.consul.',
      '1 1 8080 pq-host-3.node.dc1.consul.',
    ]);
    assert.deepEqual(sortedLines(await dig('+short', `${queryId}.query.consul`, 'A')), ['10.60.0.1']);
    assert.equal((await call('DELETE', `/v1/query/${queryId}`)).status, 200);
    assert.match(await dig('web-primary.query.consul', 'SRV'), /status: NXDOMAIN/);
    const gone = await call('GET', `/v1/query/${queryId}/execute`);
    assert.deepEqual([gone.status, gone.text], [404, 'Query not found']);
  });

  it('refuses bad input over HTTP with Consul’s statuses and texts', async () => {
    const malformed = await call('POST', '/v1/query', '{"Name": ');
    assert.equal(malformed.status, 400);
    // Consul passes PreparedQuery.Apply's error on unchanged: 500 with its text.
    const noService = await call('POST', '/v1/query', { Name: 'x', Service: {} });
    assert.deepEqual(
      [noService.status, noService.text],
      [500, 'Invalid prepared query: Must provide a Service name to query'],
    );
  });

  it('works with the npm consul client unchanged', async () => {
    const consul = new Consul({ host: address, port: 8500 });
    // The package's typings put `tags` beside `service`, but its code reads Service.Tags from inside it (lib/query.js
    // _params), and they omit destroy(), which the code has: call it as the code expects.
    const query = consul.query as unknown as {
      update(options: unknown): Promise<unknown>;
      destroy(id: string): Promise<unknown>;
    };
    const { ID: id } = (await consul.query.create({
      name: 'client-q',
      service: { service: 'web', onlypassing: true, tags: ['primary'] },
      dns: { ttl: '5s' },
    } as never)) as { ID: string };
    const got = (await consul.query.get(id)) as { Name: string };
    assert.equal(got.Name, 'client-q');
    const listed = (await consul.query.list()) as { ID: string }[];
    assert.ok(listed.some((query) => query.ID === id));
    const executed = (await consul.query.execute('client-q')) as ExecuteReply;
    assert.deepEqual(nodesOf(executed), ['pq-host-1', 'pq-host-3']);
    // The package reads explain's answer as a list (bodyItem) and so hands back undefined for Consul's object
    // body; against Lattice as against Consul the call must simply succeed.
    await consul.query.explain(id);
    await query.update({ query: id, name: 'client-q', service: { service: 'web', tags: ['secondary'] } });
    assert.deepEqual(nodesOf((await consul.query.execute(id)) as ExecuteReply), ['pq-host-4']);
    await query.destroy(id);
    await assert.rejects(consul.query.execute(id), (error: unknown) => {
      return (error as { response?: { statusCode?: number } }).response?.statusCode === 404;
    });
  });
});
