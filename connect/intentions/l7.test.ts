// Proves L7 permission matching as Envoy RBAC applies Consul's permissions: path exact/prefix/regex (query string
// ignored, regex anchored), every header matcher with and without Invert (absent headers included), methods, the
// AND of all parts, and first-match-wins order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePermission, evaluatePermissions, type HttpRequestAttributes } from './l7.js';
import type { IntentionHttpPermission } from './model.js';

const request = (
  method: string,
  path: string,
  headers: HttpRequestAttributes['headers'] = {},
): HttpRequestAttributes => ({
  method,
  path,
  headers,
});

describe('L7 permission matching', () => {
  const table: [string, IntentionHttpPermission, HttpRequestAttributes, boolean][] = [
    ['exact path', { PathExact: '/admin' }, request('GET', '/admin'), true],
    ['exact path ignores the query', { PathExact: '/admin' }, request('GET', '/admin?x=1'), true],
    ['exact path is not a prefix', { PathExact: '/admin' }, request('GET', '/admin/users'), false],
    ['prefix', { PathPrefix: '/api/' }, request('GET', '/api/v1'), true],
    ['prefix miss', { PathPrefix: '/api/' }, request('GET', '/apix'), false],
    ['regex matches the whole path', { PathRegex: '/v[0-9]+/items' }, request('GET', '/v2/items'), true],
    ['regex is anchored', { PathRegex: '/v[0-9]+' }, request('GET', '/v2/items'), false],
    ['regex alternation stays anchored', { PathRegex: '/a|/b' }, request('GET', '/bb'), false],
    ['methods', { Methods: ['GET', 'HEAD'] }, request('HEAD', '/'), true],
    ['methods miss', { Methods: ['GET'] }, request('POST', '/'), false],
    ['methods compare case-insensitively', { Methods: ['GET'] }, request('get', '/'), true],
    ['header present', { Header: [{ Name: 'X-Debug', Present: true }] }, request('GET', '/', { 'x-debug': '' }), true],
    ['header present miss', { Header: [{ Name: 'x-debug', Present: true }] }, request('GET', '/'), false],
    [
      'header present inverted, absent',
      { Header: [{ Name: 'x-debug', Present: true, Invert: true }] },
      request('GET', '/'),
      true,
    ],
    ['header exact', { Header: [{ Name: 'x-env', Exact: 'prod' }] }, request('GET', '/', { 'x-env': 'prod' }), true],
    [
      'header exact miss',
      { Header: [{ Name: 'x-env', Exact: 'prod' }] },
      request('GET', '/', { 'x-env': 'production' }),
      false,
    ],
    [
      'header exact inverted',
      { Header: [{ Name: 'x-env', Exact: 'prod', Invert: true }] },
      request('GET', '/', { 'x-env': 'dev' }),
      true,
    ],
    [
      'header exact inverted, absent',
      { Header: [{ Name: 'x-env', Exact: 'prod', Invert: true }] },
      request('GET', '/'),
      false,
    ],
    [
      'header prefix',
      { Header: [{ Name: 'authorization', Prefix: 'Bearer ' }] },
      request('GET', '/', { authorization: 'Bearer x' }),
      true,
    ],
    [
      'header suffix',
      { Header: [{ Name: 'host', Suffix: '.internal' }] },
      request('GET', '/', { host: 'a.internal' }),
      true,
    ],
    [
      'header suffix miss',
      { Header: [{ Name: 'host', Suffix: '.internal' }] },
      request('GET', '/', { host: 'a.external' }),
      false,
    ],
    [
      'header regex is anchored',
      { Header: [{ Name: 'x-v', Regex: '[0-9]+' }] },
      request('GET', '/', { 'x-v': '12a' }),
      false,
    ],
    ['header regex', { Header: [{ Name: 'x-v', Regex: '[0-9]+' }] }, request('GET', '/', { 'x-v': '123' }), true],
    [
      'repeated header values join with commas',
      { Header: [{ Name: 'x-a', Exact: '1,2' }] },
      request('GET', '/', { 'x-a': ['1', '2'] }),
      true,
    ],
    [
      'all parts must match',
      { PathPrefix: '/admin', Methods: ['POST'], Header: [{ Name: 'x-role', Exact: 'ops' }] },
      request('POST', '/admin/x', { 'x-role': 'dev' }),
      false,
    ],
    [
      'all parts matching',
      { PathPrefix: '/admin', Methods: ['POST'], Header: [{ Name: 'x-role', Exact: 'ops' }] },
      request('POST', '/admin/x', { 'x-role': 'ops' }),
      true,
    ],
  ];
  for (const [name, http, attributes, expected] of table) {
    it(name, () => assert.equal(compilePermission({ Action: 'allow', HTTP: http }).matches(attributes), expected));
  }

  it('first matching permission wins, and no match returns null', () => {
    const permissions = [
      { Action: 'deny' as const, HTTP: { PathPrefix: '/admin/secret' } },
      { Action: 'allow' as const, HTTP: { PathPrefix: '/admin' } },
      { Action: 'deny' as const, HTTP: { PathPrefix: '/' } },
    ].map(compilePermission);
    assert.deepEqual(evaluatePermissions(permissions, request('GET', '/admin/secret/x')), {
      action: 'deny',
      position: 0,
    });
    assert.deepEqual(evaluatePermissions(permissions, request('GET', '/admin/x')), { action: 'allow', position: 1 });
    assert.deepEqual(evaluatePermissions(permissions, request('GET', '/other')), { action: 'deny', position: 2 });
    assert.equal(evaluatePermissions(permissions.slice(0, 2), request('GET', '/other')), null);
  });
});
