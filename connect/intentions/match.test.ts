// Proves the match and check endpoints' logic: match by destination or source returns every intention that applies
// (exact or wildcard) most specific first, keyed by the name asked; check answers L4-only, L7 counting as deny.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../lib/errors.js';
import { checkIntentions, matchIntentions } from './match.js';
import { normalizeIntention } from './model.js';

const intentions = [
  normalizeIntention({ SourceName: '*', DestinationName: '*', Action: 'deny' }),
  normalizeIntention({ SourceName: 'web', DestinationName: 'db', Action: 'allow' }),
  normalizeIntention({ SourceName: '*', DestinationName: 'db', Action: 'deny' }),
  normalizeIntention({ SourceName: 'web', DestinationName: '*', Action: 'allow' }),
  normalizeIntention({ SourceName: 'api', DestinationName: 'cache', Action: 'allow' }),
  normalizeIntention({
    SourceName: 'admin',
    DestinationName: 'db',
    Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }],
  }),
];
const pairs = (list: readonly { SourceName: string; DestinationName: string }[]) =>
  list.map((intention) => `${intention.SourceName}>${intention.DestinationName}`);

describe('intention match and check', () => {
  it('matches by destination, most specific first', () => {
    const answer = matchIntentions(intentions, 'destination', ['db', 'cache']);
    assert.deepEqual(pairs(answer['db']!), ['admin>db', 'web>db', '*>db', 'web>*', '*>*']);
    assert.deepEqual(pairs(answer['cache']!), ['api>cache', 'web>*', '*>*']);
  });

  it('matches by source', () => {
    const answer = matchIntentions(intentions, 'source', ['web', 'nobody']);
    assert.deepEqual(pairs(answer['web']!), ['web>db', '*>db', 'web>*', '*>*']);
    assert.deepEqual(pairs(answer['nobody']!), ['*>db', '*>*']);
  });

  it('refuses an unknown match type', () => {
    assert.throws(() => matchIntentions(intentions, 'sideways' as never, ['db']), ValidationError);
  });

  it('check answers at L4, L7 intentions counting as deny', () => {
    const options = { defaultAllow: true };
    assert.deepEqual(checkIntentions(intentions, 'web', 'db', options), { Allowed: true });
    assert.deepEqual(checkIntentions(intentions, 'other', 'db', options), { Allowed: false });
    assert.deepEqual(checkIntentions(intentions, 'admin', 'db', options), { Allowed: false });
    assert.deepEqual(checkIntentions([], 'admin', 'db', options), { Allowed: true });
  });
});
