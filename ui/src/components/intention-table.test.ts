// Proves how intentions are named and summarised in the UI: the key that identifies one (its ID is empty when it
// was made with /exact) and the one-line-per-permission summary of an L7 intention.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePermissions, intentionKey } from './intention-table.js';

describe('intention summaries', () => {
  it('identifies an intention by source and destination', () => {
    assert.equal(intentionKey({ SourceName: 'web', DestinationName: '*' }), 'web->*');
  });

  it('summarises L7 permissions one per line', () => {
    assert.equal(
      describePermissions([
        { Action: 'deny', HTTP: { PathPrefix: '/admin', Methods: ['POST', 'PUT'] } },
        { Action: 'allow', HTTP: { PathExact: '/health' } },
        { Action: 'allow', HTTP: { PathRegex: '^/v[0-9]+/', Header: [{ Name: 'x-user', Present: true }] } },
        { Action: 'deny' },
      ]),
      'deny POST,PUT /admin*\nallow /health\nallow ~^/v[0-9]+/ (1 header rules)\ndeny any path',
    );
    assert.equal(describePermissions(undefined), '');
  });
});
