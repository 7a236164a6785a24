// Proves the service-intentions entry converts to legacy intentions and back as Consul's does: sources inherit the
// destination's namespace, get Type and Precedence, are sorted by precedence; duplicates and bad sources are
// refused; and a list of intentions regroups into one entry per destination.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntentionValidationError } from '../errors.js';
import {
  intentionsFromServiceIntentions,
  normalizeServiceIntentions,
  type ServiceIntentionsEntry,
  serviceIntentionsFromIntentions,
  validateServiceIntentions,
} from './config-entry.js';

const entry: ServiceIntentionsEntry = {
  Kind: 'service-intentions',
  Name: 'db',
  Sources: [
    { Name: '*', Action: 'deny' },
    { Name: 'web', Action: 'allow', Description: 'web reads' },
    { Name: 'admin', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/admin/', Methods: ['get', 'POST'] } }] },
  ],
};

describe('service-intentions config entry', () => {
  it('normalizes: namespace, type, precedence, upper-case methods, precedence order (stable)', () => {
    const normalized = normalizeServiceIntentions(entry);
    assert.equal(normalized.Namespace, 'default');
    assert.deepEqual(
      normalized.Sources.map((source) => [source.Name, source.Precedence, source.Type, source.Namespace]),
      [
        ['web', 9, 'consul', 'default'],
        ['admin', 9, 'consul', 'default'],
        ['*', 8, 'consul', 'default'],
      ],
    );
    assert.deepEqual(normalized.Sources[1]!.Permissions?.[0]?.HTTP?.Methods, ['GET', 'POST']);
    validateServiceIntentions(normalized);
  });

  it('becomes one intention per source', () => {
    const intentions = intentionsFromServiceIntentions(normalizeServiceIntentions(entry));
    assert.deepEqual(
      intentions.map((intention) => [
        intention.SourceName,
        intention.DestinationName,
        intention.Action,
        intention.Precedence,
      ]),
      [
        ['web', 'db', 'allow', 9],
        ['admin', 'db', '', 9],
        ['*', 'db', 'deny', 8],
      ],
    );
    assert.equal(intentions[0]!.Description, 'web reads');
    assert.equal(intentions[1]!.Permissions?.length, 1);
  });

  it('regroups intentions into entries per destination and round-trips', () => {
    const other: ServiceIntentionsEntry = {
      Kind: 'service-intentions',
      Name: 'api',
      Sources: [{ Name: 'web', Action: 'allow' }],
    };
    const intentions = [...intentionsFromServiceIntentions(entry), ...intentionsFromServiceIntentions(other)];
    const entries = serviceIntentionsFromIntentions(intentions);
    assert.deepEqual(
      entries.map((item) => item.Name),
      ['api', 'db'],
    );
    assert.deepEqual(entries[1], normalizeServiceIntentions(entry));
  });

  it('refuses duplicates, empty sources and bad sources, listing each', () => {
    assert.throws(
      () =>
        validateServiceIntentions({
          ...entry,
          Sources: [
            { Name: 'web', Action: 'allow' },
            { Name: 'web', Action: 'deny' },
          ],
        }),
      (error: unknown) =>
        error instanceof IntentionValidationError && error.problems.includes('Sources[1] defines "web" more than once'),
    );
    assert.throws(() => validateServiceIntentions({ ...entry, Sources: [] }), IntentionValidationError);
    try {
      validateServiceIntentions({
        Kind: 'service-intentions',
        Name: '*',
        Sources: [{ Name: 'a*' }, { Name: 'b', Permissions: [{ Action: 'allow', HTTP: { PathExact: '/' } }] }],
      });
      assert.fail('expected IntentionValidationError');
    } catch (error) {
      assert.ok(error instanceof IntentionValidationError);
      assert.equal(error.problems.length, 3, error.problems.join('\n'));
    }
  });
});
