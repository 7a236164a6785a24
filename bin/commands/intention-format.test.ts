// Proves `lattice intention`'s printing matches consul intention's: api.Intention.String() with an action or a
// permission count, Go's RFC 850 time layout, the get table (no Action row for an L7 intention, sorted Meta, the
// Permissions as JSON after the table) and the list table with a blank Action for L7 intentions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatIntentionDetails,
  formatIntentionList,
  formatRfc850,
  type IntentionView,
  intentionString,
} from './intention-format.js';

const l4: IntentionView = {
  ID: '6e7ac1c6-0000-4000-8000-000000000001',
  SourceName: 'web',
  DestinationName: 'db',
  Action: 'deny',
  Precedence: 9,
  Meta: { zone: 'b', team: 'a' },
  Description: 'no web to db',
  CreatedAt: '2026-01-05T08:09:10Z',
};

const l7: IntentionView = {
  ID: '6e7ac1c6-0000-4000-8000-000000000002',
  SourceName: '*',
  DestinationName: 'api',
  Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v1' } }],
  Precedence: 8,
};

describe('intention output', () => {
  it("prints api.Intention's String()", () => {
    assert.equal(intentionString(l4), 'web => db (deny)');
    assert.equal(intentionString(l7), '* => api (1 permission)');
    assert.equal(intentionString({ ...l7, Permissions: [{}, {}] }), '* => api (2 permissions)');
  });

  it("formats Go's time.RFC850", () => {
    assert.equal(formatRfc850(new Date('2026-01-05T08:09:10Z'), 'UTC'), 'Monday, 05-Jan-26 08:09:10 UTC');
    assert.equal(formatRfc850(new Date('2009-11-10T23:00:00Z'), 'UTC'), 'Tuesday, 10-Nov-09 23:00:00 UTC');
  });

  it('prints the get table as consul intention get does', () => {
    assert.equal(
      formatIntentionDetails(l4, 'UTC'),
      [
        'Source:       web',
        'Destination:  db',
        'Action:       deny',
        'ID:           6e7ac1c6-0000-4000-8000-000000000001',
        'Description:  no web to db',
        'Meta[team]:   a',
        'Meta[zone]:   b',
        'Created At:   Monday, 05-Jan-26 08:09:10 UTC',
        '',
      ].join('\n'),
    );
    assert.equal(
      formatIntentionDetails(l7, 'UTC'),
      'Source:       *\nDestination:  api\nID:           6e7ac1c6-0000-4000-8000-000000000002\nPermissions:\n' +
        `${JSON.stringify(l7.Permissions, null, 2)}\n`,
    );
  });

  it('prints the list table with a blank action for L7 intentions', () => {
    assert.equal(
      formatIntentionList([l4, l7]),
      [
        'ID                                    Source  Action  Destination  Precedence',
        '6e7ac1c6-0000-4000-8000-000000000001  web     deny    db           9',
        '6e7ac1c6-0000-4000-8000-000000000002  *               api          8',
        '',
      ].join('\n'),
    );
  });
});
