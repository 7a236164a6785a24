// Proves intention normalization fills Consul's defaults, and validation rejects what Consul rejects (partial
// wildcards, exact names under wildcard namespaces, missing or conflicting actions, bad permissions, oversized meta),
// listing every problem at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntentionValidationError } from '../errors.js';
import { type IntentionInit, intentionProblems, normalizeIntention, validateIntention } from './model.js';

describe('intention model', () => {
  it('normalizes defaults and computes precedence', () => {
    const intention = normalizeIntention({
      SourceName: 'web',
      DestinationName: 'db',
      Permissions: [{ Action: 'allow', HTTP: { Methods: ['get', 'Post'] } }],
    });
    assert.equal(intention.SourceNS, 'default');
    assert.equal(intention.DestinationNS, 'default');
    assert.equal(intention.SourceType, 'consul');
    assert.equal(intention.Action, '');
    assert.deepEqual(intention.Meta, {});
    assert.equal(intention.Precedence, 9);
    assert.deepEqual(intention.Permissions?.[0]?.HTTP?.Methods, ['GET', 'POST']);
    validateIntention(intention);
  });

  const rejects: [string, IntentionInit][] = [
    ['partial source wildcard', { SourceName: 'web*', DestinationName: 'db', Action: 'allow' }],
    ['partial destination wildcard', { SourceName: 'web', DestinationName: '*db', Action: 'allow' }],
    [
      'exact name after wildcard namespace',
      { SourceNS: '*', SourceName: 'web', DestinationName: 'db', Action: 'allow' },
    ],
    ['no action', { SourceName: 'web', DestinationName: 'db' }],
    ['bad action', { SourceName: 'web', DestinationName: 'db', Action: 'maybe' as never }],
    [
      'action with permissions',
      {
        SourceName: 'web',
        DestinationName: 'db',
        Action: 'allow',
        Permissions: [{ Action: 'allow', HTTP: { PathExact: '/' } }],
      },
    ],
    [
      'permissions on a wildcard destination',
      { SourceName: 'web', DestinationName: '*', Permissions: [{ Action: 'allow', HTTP: { PathExact: '/' } }] },
    ],
    ['permission without HTTP', { SourceName: 'web', DestinationName: 'db', Permissions: [{ Action: 'allow' }] }],
    ['empty HTTP', { SourceName: 'web', DestinationName: 'db', Permissions: [{ Action: 'allow', HTTP: {} }] }],
    [
      'two paths',
      {
        SourceName: 'web',
        DestinationName: 'db',
        Permissions: [{ Action: 'allow', HTTP: { PathExact: '/a', PathPrefix: '/b' } }],
      },
    ],
    [
      'relative path',
      { SourceName: 'web', DestinationName: 'db', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: 'a' } }] },
    ],
    [
      'bad regex',
      { SourceName: 'web', DestinationName: 'db', Permissions: [{ Action: 'allow', HTTP: { PathRegex: '(' } }] },
    ],
    [
      'bad method',
      { SourceName: 'web', DestinationName: 'db', Permissions: [{ Action: 'allow', HTTP: { Methods: ['FETCH'] } }] },
    ],
    [
      'repeated method',
      {
        SourceName: 'web',
        DestinationName: 'db',
        Permissions: [{ Action: 'allow', HTTP: { Methods: ['GET', 'get'] } }],
      },
    ],
    [
      'header without matcher',
      {
        SourceName: 'web',
        DestinationName: 'db',
        Permissions: [{ Action: 'allow', HTTP: { Header: [{ Name: 'x' }] } }],
      },
    ],
    [
      'header with two matchers',
      {
        SourceName: 'web',
        DestinationName: 'db',
        Permissions: [{ Action: 'allow', HTTP: { Header: [{ Name: 'x', Exact: 'a', Prefix: 'b' }] } }],
      },
    ],
    [
      'header without name',
      {
        SourceName: 'web',
        DestinationName: 'db',
        Permissions: [{ Action: 'allow', HTTP: { Header: [{ Name: '', Present: true }] } }],
      },
    ],
    ['long description', { SourceName: 'web', DestinationName: 'db', Action: 'allow', Description: 'x'.repeat(513) }],
    [
      'too much meta',
      {
        SourceName: 'web',
        DestinationName: 'db',
        Action: 'allow',
        Meta: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])),
      },
    ],
    ['non-consul source type', { SourceName: 'web', DestinationName: 'db', Action: 'allow', SourceType: 'external' }],
  ];
  for (const [name, init] of rejects) {
    it(`rejects ${name}`, () =>
      assert.throws(() => validateIntention(normalizeIntention(init)), IntentionValidationError));
  }

  it('lists every problem at once', () => {
    const problems = intentionProblems(
      normalizeIntention({ SourceName: 'we*b', DestinationName: 'd*b', Description: 'x'.repeat(600) }),
    );
    assert.equal(problems.length, 4, problems.join('\n'));
  });
});
