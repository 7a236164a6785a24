// Proves precedence is Consul's: every row of the reference §5.2 table (and Consul's UpdatePrecedence) gives its
// number, and listing order is precedence descending, then source and destination names in byte order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeIntention } from './model.js';
import { intentionPrecedence, sortIntentions } from './precedence.js';

describe('intention precedence', () => {
  // [precedence, SourceNS, SourceName, DestinationNS, DestinationName]
  const table: [number, string, string, string, string][] = [
    [9, 'default', 'web', 'default', 'db'],
    [8, 'default', '*', 'default', 'db'],
    [7, '*', '*', 'default', 'db'],
    [6, 'default', 'web', 'default', '*'],
    [5, 'default', '*', 'default', '*'],
    [4, '*', '*', 'default', '*'],
    [3, 'default', 'web', '*', '*'],
    [2, 'default', '*', '*', '*'],
    [1, '*', '*', '*', '*'],
  ];
  for (const [precedence, SourceNS, SourceName, DestinationNS, DestinationName] of table) {
    it(`${SourceNS}/${SourceName} → ${DestinationNS}/${DestinationName} is ${precedence}`, () => {
      assert.equal(intentionPrecedence({ SourceNS, SourceName, DestinationNS, DestinationName }), precedence);
      const normalized = normalizeIntention({ SourceNS, SourceName, DestinationNS, DestinationName, Action: 'allow' });
      assert.equal(normalized.Precedence, precedence);
    });
  }

  it('reaches 9, 8, 6 and 5 with namespaces left at default', () => {
    const values = [
      ['web', 'db'],
      ['*', 'db'],
      ['web', '*'],
      ['*', '*'],
    ].map(
      ([SourceName, DestinationName]) =>
        normalizeIntention({ SourceName: SourceName!, DestinationName: DestinationName!, Action: 'allow' }).Precedence,
    );
    assert.deepEqual(values, [9, 8, 6, 5]);
  });

  it('sorts by precedence, then (SourceNS, SourceName, DestinationNS, DestinationName) in byte order', () => {
    const make = (SourceName: string, DestinationName: string) =>
      normalizeIntention({ SourceName, DestinationName, Action: 'allow' });
    const sorted = sortIntentions([
      make('*', '*'),
      make('web', '*'),
      make('b', 'db'),
      make('*', 'db'),
      make('B', 'db'),
      make('a', 'api'),
      make('a', 'db'),
    ]);
    assert.deepEqual(
      sorted.map((intention) => `${intention.SourceName}>${intention.DestinationName}`),
      ['B>db', 'a>api', 'a>db', 'b>db', '*>db', 'web>*', '*>*'],
    );
  });
});
