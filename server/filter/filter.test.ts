// Proves the `?filter=` implementation against go-bexpr's grammar and Consul's use of it: a table of expressions
// evaluated on a health entry, a catalog service and an agent check (field names as Consul's JSON), a table of
// malformed expressions refused with Consul's prefix and a position, and evaluation errors for literals that
// cannot fit their field.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileFilter,
  FilterError,
  FilterEvaluationError,
  filterErrorPrefix,
  filterSchemas,
  parseFilter,
} from './index.js';

const healthEntry = {
  Node: {
    ID: 'a1',
    Node: 'n1',
    Address: '10.0.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: { lan: '10.0.0.1' },
    Meta: { os: 'linux', 'rack-id': 'r1', empty: '' },
  },
  Service: {
    ID: 'web-1',
    Service: 'web',
    Tags: ['primary', 'v2'],
    Port: 8080,
    Address: '',
    Meta: { version: '2.1', env: 'prod' },
    Weights: { Passing: 3, Warning: 1 },
    EnableTagOverride: false,
    Kind: '',
    Proxy: null,
    Connect: null,
    TaggedAddresses: {},
  },
  Checks: [
    { CheckID: 'serfHealth', Status: 'passing', ServiceID: '', Output: 'Agent alive and reachable' },
    { CheckID: 'service:web-1', Status: 'critical', ServiceID: 'web-1', Output: 'HTTP GET: 503' },
  ],
};

const catalogService = {
  Node: 'n2',
  Address: '10.0.0.2',
  ServiceName: 'db',
  ServiceTags: [],
  ServicePort: 5432,
  ServiceMeta: {},
  ServiceEnableTagOverride: true,
  NodeMeta: { os: 'windows' },
};

const expressions: [string, unknown, boolean][] = [
  ['Service.Service == web', healthEntry, true],
  ['Service.Service == "web"', healthEntry, true],
  ['Service.Service == `web`', healthEntry, true],
  ['Service.Service != web', healthEntry, false],
  ['Service.Service==web', healthEntry, true],
  ['Service.Port == 8080', healthEntry, true],
  ['Service.Port == 8080.0', healthEntry, true],
  ['Service.Port != 80', healthEntry, true],
  ['Service.Weights.Passing == 3', healthEntry, true],
  ['Service.EnableTagOverride == false', healthEntry, true],
  ['Service.EnableTagOverride == F', healthEntry, true],
  ['ServiceEnableTagOverride == true', catalogService, true],
  ['ServiceEnableTagOverride == 1', catalogService, true],
  ['primary in Service.Tags', healthEntry, true],
  ['"primary" in Service.Tags', healthEntry, true],
  ['"v3" in Service.Tags', healthEntry, false],
  ['"v3" not in Service.Tags', healthEntry, true],
  ['Service.Tags contains "v2"', healthEntry, true],
  ['Service.Tags not contains "v2"', healthEntry, false],
  ['Service.Tags is not empty', healthEntry, true],
  ['ServiceTags is empty', catalogService, true],
  ['ServiceMeta is empty', catalogService, true],
  ['Service.Meta.version == "2.1"', healthEntry, true],
  ['Service.Meta["version"] == "2.1"', healthEntry, true],
  ['Service.Meta.missing == "x"', healthEntry, false],
  ['Service.Meta.missing != "x"', healthEntry, true],
  ['Service.Meta.missing is empty', healthEntry, true],
  ['Node.Meta["rack-id"] == r1', healthEntry, true],
  ['Node.Meta.empty is empty', healthEntry, true],
  ['version in Service.Meta', healthEntry, true],
  ['Service.Meta contains env', healthEntry, true],
  ['Service.Meta not contains nothing', healthEntry, true],
  ['Service.Address is empty', healthEntry, true],
  ['Service.Proxy is empty', healthEntry, true],
  ['Node.Address contains "10.0"', healthEntry, true],
  ['"0.0.1" in Node.Address', healthEntry, true],
  ['Node.Node matches "^n[0-9]+$"', healthEntry, true],
  ['Node.Node not matches "^n[0-9]+$"', healthEntry, false],
  ['Service.Meta.env matches `^pro`', healthEntry, true],
  ['Checks.Status == critical', healthEntry, true],
  ['Checks.Status == warning', healthEntry, false],
  ['Checks.Status != passing', healthEntry, false],
  ['not Checks.Status == passing', healthEntry, false],
  ['Checks.0.CheckID == serfHealth', healthEntry, true],
  ['Checks.1.Status == critical', healthEntry, true],
  ['Checks.5.Status == critical', healthEntry, false],
  ['Checks.Output matches "50[0-9]"', healthEntry, true],
  ['Checks is not empty', healthEntry, true],
  ['"/Service/Meta/env" == prod', healthEntry, true],
  ['Service.Service == web and Service.Port == 8080', healthEntry, true],
  ['Service.Service == web and Service.Port == 80', healthEntry, false],
  ['Service.Service == db or Service.Port == 8080', healthEntry, true],
  ['not Service.Service == db', healthEntry, true],
  ['not not Service.Service == web', healthEntry, true],
  ['not (Service.Service == web and primary in Service.Tags)', healthEntry, false],
  ['(Service.Service == db or Service.Service == web) and Node.Meta.os == linux', healthEntry, true],
  ['Service.Service == db or Service.Service == web and Node.Meta.os == windows', healthEntry, false],
  ['Service.Service == web or Service.Service == db and Node.Meta.os == windows', healthEntry, true],
  ['  ( Service.Service == web )  ', healthEntry, true],
  ['((Service.Port == 8080))', healthEntry, true],
  ['Service.Meta.version == 2.1', healthEntry, true],
  ['Service.Port == -1', healthEntry, false],
  ['NodeMeta.os == windows and ServicePort == 5432', catalogService, true],
  ['Unknown.Field == x', catalogService, false],
  ['Unknown.Field != x', catalogService, true],
  ['Service.Service == "w\\x65b"', healthEntry, true],
  ['notes is empty', { notes: '' }, true],
  ['order == 1 or andy == 2', { order: 1, andy: 3 }, true],
  ['a/b == c', { 'a/b': 'c' }, true],
  ['Meta.x_y == z', { Meta: { x_y: 'z' } }, true],
];

describe('filter evaluation', () => {
  for (const [expression, datum, expected] of expressions) {
    it(`${expression} → ${expected}`, () => {
      assert.equal(compileFilter(expression).matches(datum), expected);
    });
  }

  it('filters lists and records', () => {
    const filter = compileFilter('Port == 2');
    assert.deepEqual(filter.apply([{ Port: 1 }, { Port: 2 }]), [{ Port: 2 }]);
    assert.deepEqual(filter.applyToRecord({ a: { Port: 2 }, b: { Port: 3 } }), { a: { Port: 2 } });
  });
});

const malformed: [string, RegExp][] = [
  ['', /empty expression/],
  ['   ', /empty expression/],
  ['Service.Service', /expected "=="/],
  ['Service.Service ==', /expected a value/],
  ['Service.Service = web', /expected "=="/],
  ['Service.Service == web and', /unexpected "a"|expected/],
  ['Service.Service == web or or x == y', /unexpected|expected/],
  ['(Service.Service == web', /Unmatched parentheses/],
  ['Service.Service == web)', /unexpected "\)"/],
  ['Service.Meta["version" == x', /Unclosed index expression/],
  ['Service.Meta[version] == x', /Invalid index/],
  ['Service. == x', /expected a field name/],
  ['Service.Service == "web', /Unterminated string literal/],
  ['Service.Port == 12abc', /Invalid number literal/],
  ['"x" in "y"', /Invalid selector/],
  ['"x" == y', /expected "in" or "not in" after a value/],
  ['Service.Service == web && x == y', /unexpected "&"/],
  ['Name matches "("', /Failed to compile regular expression/],
  ['Name matches "(a+)+$"', /nested quantifiers/],
  ['Service.Service == "bad\\q"', /invalid syntax/],
  ['a is', /expected "=="/],
  [`${'('.repeat(100)}a == b${')'.repeat(100)}`, /nested deeper/],
  [`a == ${'x'.repeat(9000)}`, /longer than/],
];

describe('filter parse errors', () => {
  for (const [expression, message] of malformed) {
    it(`refuses ${JSON.stringify(expression.length > 40 ? `${expression.slice(0, 40)}…` : expression)}`, () => {
      assert.throws(
        () => parseFilter(expression),
        (error: unknown) => {
          assert.ok(error instanceof FilterError);
          assert.ok(error.message.startsWith(filterErrorPrefix), error.message);
          assert.match(error.message, /^Failed to create boolean expression evaluator: \d+:\d+ \(\d+\): /);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('reports the position of the problem', () => {
    assert.throws(
      () => parseFilter('Service.Port == 12abc'),
      (error: unknown) => {
        assert.ok(error instanceof FilterError);
        assert.equal(error.offset, 16);
        assert.match(error.message, /1:17 \(16\)/);
        return true;
      },
    );
  });

  it('parses into the AST once with go-bexpr precedence', () => {
    const ast = parseFilter('a == 1 or b == 2 and not c == 3');
    assert.equal(ast.kind, 'or');
    assert.ok(ast.kind === 'or' && ast.right.kind === 'and' && ast.right.right.kind === 'not');
  });
});

describe('filter evaluation errors', () => {
  const cases: [string, unknown][] = [
    ['Service.Port == abc', healthEntry],
    ['Service.EnableTagOverride == maybe', healthEntry],
    ['Service.Port matches "8"', healthEntry],
    ['Service.Meta == x', healthEntry],
    ['Service.Port is empty', healthEntry],
    ['x in Service.Port', healthEntry],
  ];
  for (const [expression, datum] of cases) {
    it(`${expression} cannot be evaluated`, () => {
      assert.throws(() => compileFilter(expression).matches(datum), FilterEvaluationError);
    });
  }
});

describe('selector validation against a response schema', () => {
  const table: [string, keyof typeof filterSchemas, boolean][] = [
    ['Service.Meta.version == 2', 'serviceEntry', true],
    ['Service.Tags contains x', 'serviceEntry', true],
    ['Checks.Status == passing', 'serviceEntry', true],
    ['Checks.0.Status == passing', 'serviceEntry', true],
    ['Node.Meta["rack-id"] == r1', 'serviceEntry', true],
    ['Service.TaggedAddresses.lan.Port == 80', 'serviceEntry', true],
    ['Service.Proxy.Config.protocol == http', 'serviceEntry', true],
    ['Service.Proxy.DestinationServiceName == web', 'serviceEntry', true],
    ['ServiceMeta.env == prod and NodeMeta.os == linux', 'catalogService', true],
    ['Definition.HTTP is not empty', 'healthCheck', true],
    ['Foo == bar', 'serviceEntry', false],
    ['Service.Bogus == bar', 'serviceEntry', false],
    ['Service.Meta.a.b == c', 'serviceEntry', false],
    ['Service.Port.x == 1', 'serviceEntry', false],
    ['ServiceName == web or Nope == 1', 'catalogService', false],
    ['not (Node == a and Service == b)', 'catalogService', false],
  ];
  for (const [expression, schema, valid] of table) {
    it(`${expression} on ${schema}: ${valid ? 'valid' : 'refused'}`, () => {
      if (valid) {
        assert.doesNotThrow(() => compileFilter(expression, filterSchemas[schema]));
        return;
      }
      assert.throws(
        () => compileFilter(expression, filterSchemas[schema]),
        (error: unknown) => {
          assert.ok(error instanceof FilterError);
          assert.match(error.message, /^Failed to create boolean expression evaluator: Selector ".+" is not valid$/);
          return true;
        },
      );
    });
  }
});
