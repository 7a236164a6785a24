// Proves template compiling and rendering against Consul's own cases (agent/consul/prepared_query/template_test.go):
// compile refuses a non-template, bad HIL syntax, unknown variables and a bad Regexp; rendering fills name.full /
// prefix / suffix, agent.segment and match(N) (out of range and unmatched groups are ''), evaluates arithmetic,
// never changes the stored query, and RemoveEmptyTags drops the empty tags; plus the HIL subset on its own.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` is the template language under test, not JS.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateHil, HilError, parseHil } from './prepared-query-hil.js';
import { compileTemplate, goRegExp, renderTemplate, TemplateError } from './prepared-query-template.js';
import type { PreparedQueryFields, ServiceQuery } from './prepared-query-types.js';

const source = (Segment: string) => ({ Datacenter: '', Segment, Node: '', Ip: '' });

function query(fields: {
  Name?: string;
  Template?: Partial<PreparedQueryFields['Template']>;
  Service?: Partial<ServiceQuery>;
}): PreparedQueryFields {
  return {
    ID: '',
    Name: fields.Name ?? '',
    Session: '',
    Token: '',
    Template: { Type: 'name_prefix_match', Regexp: '', RemoveEmptyTags: false, ...fields.Template },
    Service: {
      Service: '',
      Failover: { NearestN: 0, Datacenters: null, Targets: null },
      OnlyPassing: false,
      IgnoreCheckIDs: null,
      Near: '',
      Tags: null,
      NodeMeta: null,
      ServiceMeta: null,
      Connect: false,
      ...fields.Service,
    },
    DNS: { TTL: '' },
  };
}

describe('compileTemplate', () => {
  it('refuses a query that is not a template', () => {
    assert.throws(() => compileTemplate(query({ Template: { Type: '' } })), /Bad Template.Type ''/);
    assert.throws(() => compileTemplate(query({ Template: { Type: 'prefix' } })), /Bad Template.Type 'prefix'/);
  });

  it('renders a basic template and leaves the stored query unchanged', () => {
    const stored = query({
      Template: { Regexp: '^(hello)there$' },
      Service: {
        Service: '${name.full}',
        IgnoreCheckIDs: ['${match(1)}', '${agent.segment}'],
        Tags: ['${match(1)}', '${agent.segment}'],
      },
    });
    const before = structuredClone(stored);
    const rendered = renderTemplate(compileTemplate(stored), 'hellothere', source('segment-foo'));
    assert.equal(rendered.Service.Service, 'hellothere');
    assert.deepEqual(rendered.Service.IgnoreCheckIDs, ['hello', 'segment-foo']);
    assert.deepEqual(rendered.Service.Tags, ['hello', 'segment-foo']);
    assert.deepEqual(stored, before);
  });

  it('refuses bad HIL syntax, an unknown variable and a bad Regexp, naming the field', () => {
    assert.throws(
      () => compileTemplate(query({ Service: { Service: '${name.full' } })),
      (error: unknown) =>
        error instanceof TemplateError && /^Bad format '\$\{name.full' in Service.Service: /.test(error.message),
    );
    assert.throws(
      () => compileTemplate(query({ Service: { Service: '${name.nope}' } })),
      /Bad evaluation for '\$\{name.nope\}' in Service.Service: unknown variable accessed: name.nope/,
    );
    assert.throws(
      () => compileTemplate(query({ Template: { Regexp: '^(nope$' }, Service: { Service: '${name.full}' } })),
      /^TemplateError: Bad Regexp: /,
    );
    assert.throws(
      () => compileTemplate(query({ Service: { Service: 'x', Tags: ['${nope(1)}'] } })),
      /in Service.Tags\[0\]: unknown function called: nope/,
    );
  });
});

describe('renderTemplate', () => {
  it('leaves an all-static template as it is', () => {
    const stored = query({ Service: { Service: 'hellothere' } });
    assert.deepEqual(renderTemplate(compileTemplate(stored), 'unused', source('')), stored);
  });

  const everything = (RemoveEmptyTags: boolean) =>
    query({
      Name: 'hello-',
      Template: { Regexp: '^(.*?)-(.*?)-(.*)$', RemoveEmptyTags },
      Service: {
        Service: '${name.prefix} xxx ${name.full} xxx ${name.suffix} xxx ${agent.segment}',
        Tags: ['${match(-1)}', '${match(0)}', '${match(1)}', '${match(2)}', '${match(3)}', '${match(4)}', '${40 + 2}'],
        NodeMeta: { foo: '${match(1)}' },
      },
    });

  it('fills every variable and match group when the Regexp matches', () => {
    const rendered = renderTemplate(compileTemplate(everything(false)), 'hello-foo-bar-none', source('segment-bar'));
    assert.equal(rendered.Service.Service, 'hello- xxx hello-foo-bar-none xxx foo-bar-none xxx segment-bar');
    assert.deepEqual(rendered.Service.Tags, ['', 'hello-foo-bar-none', 'hello', 'foo', 'bar-none', '', '42']);
    assert.deepEqual(rendered.Service.NodeMeta, { foo: 'hello' });
  });

  it('answers empty groups when the Regexp does not match', () => {
    const rendered = renderTemplate(compileTemplate(everything(false)), 'hello-nope', source('segment-bar'));
    assert.equal(rendered.Service.Service, 'hello- xxx hello-nope xxx nope xxx segment-bar');
    assert.deepEqual(rendered.Service.Tags, ['', '', '', '', '', '', '42']);
    assert.deepEqual(rendered.Service.NodeMeta, { foo: '' });
  });

  it('drops empty tags with RemoveEmptyTags', () => {
    const compiled = compileTemplate(everything(true));
    assert.deepEqual(renderTemplate(compiled, 'hello-foo-bar-none', source('segment-baz')).Service.Tags, [
      'hello-foo-bar-none',
      'hello',
      'foo',
      'bar-none',
      '42',
    ]);
    assert.deepEqual(renderTemplate(compiled, 'hello-nope', source('segment-baz')).Service.Tags, ['42']);
  });

  it('renders failover datacenters and targets too (every string of Service)', () => {
    const compiled = compileTemplate(
      query({
        Name: 'geo-',
        Service: {
          Service: '${name.suffix}',
          Failover: { NearestN: 2, Datacenters: ['${name.suffix}-dc'], Targets: null },
          Near: '${name.prefix}',
        },
      }),
    );
    const rendered = renderTemplate(compiled, 'geo-db', source(''));
    assert.equal(rendered.Service.Service, 'db');
    assert.deepEqual(rendered.Service.Failover, { NearestN: 2, Datacenters: ['db-dc'], Targets: null });
    assert.equal(rendered.Service.Near, 'geo-');
  });
});

describe('HIL subset', () => {
  const scope = { variables: { x: 'ex' }, functions: { twice: ([n]: readonly number[]) => String((n ?? 0) * 2) } };
  const cases: [string, string][] = [
    ['plain text', 'plain text'],
    ['$${x} is literal', '${x} is literal'],
    ['${x}-${x}', 'ex-ex'],
    ['${1 + 2 * 3}', '7'],
    ['${(1 + 2) * 3}', '9'],
    ['${7 / 2} ${7 % 2} ${-3}', '3 1 -3'],
    ['${"quoted"}', 'quoted'],
    ['${twice(21)}', '42'],
    ['${true}', 'true'],
  ];
  for (const [text, expected] of cases)
    it(`evaluates ${JSON.stringify(text)}`, () => assert.equal(evaluateHil(parseHil(text), scope), expected));

  for (const broken of ['${', '${x', '${1 +}', '${twice(1}', '${"open}'])
    it(`refuses the syntax ${JSON.stringify(broken)}`, () => assert.throws(() => parseHil(broken), HilError));

  it('refuses a string argument to an int function and division by zero', () => {
    assert.throws(() => evaluateHil(parseHil('${twice("a")}'), scope), /argument 1 should be type int/);
    assert.throws(() => evaluateHil(parseHil('${1 / 0}'), scope), /divide by zero/);
  });
});

describe('goRegExp', () => {
  it('accepts RE2 named groups and leading flags', () => {
    assert.equal(goRegExp('^(?P<svc>[a-z]+)-x$').exec('web-x')?.groups?.['svc'], 'web');
    assert.ok(goRegExp('(?i)^WEB$').test('web'));
  });
});
