// Proves the shared read-parameter decoding against Consul's rules as tables: `?index`/`?wait` parsing and caps,
// consistency flags and their conflicts, ParseBool, repeatable `?node-meta`, `?filter` refusal and `?near=_agent`,
// each bad value answered with Consul's 400 text.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { BadRequestError } from './errors.js';
import {
  parseBoolParam,
  parseConsistency,
  parseIndexParam,
  parseNodeMeta,
  parseQuery,
  parseWaitParam,
  type QueryConfig,
} from './query-options.js';

const config: QueryConfig = {
  datacenter: 'dc1',
  nodeName: 'node-a',
  defaultQueryTimeMs: 300_000,
  maxQueryTimeMs: 600_000,
  discoveryMaxStaleMs: 0,
};

function fakeRequest(url: string, headers: Record<string, string> = {}): FastifyRequest {
  return {
    url,
    headers,
    query: Object.fromEntries(new URL(url, 'http://x').searchParams),
  } as unknown as FastifyRequest;
}

function badRequest(text: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof BadRequestError, String(error));
    assert.equal(error.message, text);
    return true;
  };
}

describe('?index', () => {
  const table: [string | null, number][] = [
    [null, 0],
    ['', 0],
    ['0', 0],
    ['42', 42],
    ['18446744073709551615', Number(18446744073709551615n)],
  ];
  for (const [value, expected] of table)
    it(`reads ${JSON.stringify(value)} as ${expected}`, () => assert.equal(parseIndexParam(value), expected));
  for (const value of ['-1', 'abc', '1.5', '18446744073709551616', ' 1'])
    it(`refuses ${JSON.stringify(value)}`, () =>
      assert.throws(() => parseIndexParam(value), badRequest('Invalid index')));
});

describe('?wait', () => {
  const table: [string | null, number][] = [
    [null, 300_000],
    ['120000ms', 120_000],
    ['60000ms', 60_000],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['0', 300_000],
    ['-5s', 300_000],
    ['11m', 600_000],
    ['1h', 600_000],
  ];
  for (const [value, expected] of table)
    it(`reads ${JSON.stringify(value)} as ${expected} ms`, () => assert.equal(parseWaitParam(value, config), expected));
  for (const value of ['10', 'abc', '5 s', ' 5s', '5d'])
    it(`refuses ${JSON.stringify(value)}`, () =>
      assert.throws(() => parseWaitParam(value, config), badRequest('Invalid wait time')));
});

describe('consistency', () => {
  const table: [string, string, string][] = [
    ['', 'default', 'leader'],
    ['leader', 'default', 'leader'],
    ['stale', 'stale', 'stale'],
    ['stale=1', 'stale', 'stale'],
    ['consistent', 'consistent', 'consistent'],
    ['max_stale=5s', 'stale', 'stale'],
    ['max_stale=0s', 'default', 'leader'],
    ['cached', 'default', 'leader'],
  ];
  for (const [query, consistency, effective] of table)
    it(`?${query} → ${consistency}`, () => {
      const choice = parseConsistency(new URLSearchParams(query), '/v1/catalog/nodes', config);
      assert.equal(choice.consistency, consistency);
      assert.equal(choice.effective, effective);
    });
  it('refuses stale with consistent', () =>
    assert.throws(
      () => parseConsistency(new URLSearchParams('stale&consistent'), '/v1/kv/a', config),
      badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.'),
    ));
  it('refuses max_stale with consistent', () =>
    assert.throws(
      () => parseConsistency(new URLSearchParams('max_stale=1s&consistent'), '/v1/kv/a', config),
      badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.'),
    ));
  it('refuses cached with consistent', () =>
    assert.throws(
      () => parseConsistency(new URLSearchParams('cached&consistent'), '/v1/kv/a', config),
      badRequest('Cannot specify ?cached with ?consistent, conflicting semantics.'),
    ));
  it('refuses a bad max_stale', () =>
    assert.throws(
      () => parseConsistency(new URLSearchParams('max_stale=soon'), '/v1/kv/a', config),
      badRequest('Invalid max_stale value "soon"'),
    ));
  it('makes catalog and health reads stale under discovery_max_stale, unless ?leader', () => {
    const discovery = { ...config, discoveryMaxStaleMs: 5_000 };
    assert.equal(parseConsistency(new URLSearchParams(''), '/v1/health/service/web', discovery).consistency, 'stale');
    assert.equal(parseConsistency(new URLSearchParams(''), '/v1/kv/a', discovery).consistency, 'default');
    assert.equal(
      parseConsistency(new URLSearchParams('leader'), '/v1/catalog/nodes', discovery).consistency,
      'default',
    );
  });
});

describe('ParseBool parameters', () => {
  const table: [string, boolean][] = [
    ['', false],
    ['passing', true],
    ['passing=1', true],
    ['passing=true', true],
    ['passing=True', true],
    ['passing=T', true],
    ['passing=0', false],
    ['passing=false', false],
    ['passing=F', false],
  ];
  for (const [query, expected] of table)
    it(`?${query} → ${expected}`, () => assert.equal(parseBoolParam(new URLSearchParams(query), 'passing'), expected));
  it('refuses junk', () =>
    assert.throws(
      () => parseBoolParam(new URLSearchParams('passing=yes'), 'passing'),
      badRequest('Invalid value for ?passing'),
    ));
});

describe('?node-meta', () => {
  it('splits each pair at the first colon and keeps them all', () => {
    assert.deepEqual(parseNodeMeta(new URLSearchParams('node-meta=rack:r1&node-meta=url:http://x&node-meta=bare')), {
      rack: 'r1',
      url: 'http://x',
      bare: '',
    });
  });
});

describe('parseQuery', () => {
  it('gathers datacenter, token, near and options', () => {
    const query = parseQuery(
      fakeRequest('/v1/health/service/web?dc=dc2&index=7&wait=30s&stale&near=_agent&filter=Service.Port%20%3D%3D%2080'),
      config,
    );
    assert.equal(query.datacenter, 'dc2');
    assert.equal(query.near, 'node-a');
    assert.deepEqual(query.options, {
      minQueryIndex: 7,
      maxQueryTimeMs: 30_000,
      consistency: 'stale',
      filter: 'Service.Port == 80',
      nodeMeta: {},
    });
  });
  it("defaults to the agent's datacenter and an anonymous token", () => {
    const query = parseQuery(fakeRequest('/v1/catalog/nodes'), config);
    assert.equal(query.datacenter, 'dc1');
    assert.equal(query.token, '');
    assert.equal(query.near, '');
  });
  it('takes the token from the header', () => {
    assert.equal(parseQuery(fakeRequest('/v1/catalog/nodes', { 'x-consul-token': 's3cret' }), config).token, 's3cret');
  });
  it("refuses a bad filter with go-bexpr's prefix", () => {
    assert.throws(
      () => parseQuery(fakeRequest('/v1/catalog/nodes?filter=Node%20%3D%3D'), config),
      (error: unknown) =>
        error instanceof BadRequestError && error.message.startsWith('Failed to create boolean expression evaluator: '),
    );
  });
});
