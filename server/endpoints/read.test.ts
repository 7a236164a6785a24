// Proves the read path's wait rules (reference §2.2): no wait → default_query_time, longer waits cut to
// max_query_time, jitter of at most wait/16 on top; and the arg readers refuse wrong types from the network.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../rpc/errors.js';
import type { EndpointContext } from './context.js';
import { booleanArg, queryWaitMs, stringArg, stringListArg } from './read.js';

const context = (jitter: number) =>
  ({
    rand: { float: () => jitter, intBelow: () => 0 },
    defaultQueryTimeMs: 300_000,
    maxQueryTimeMs: 600_000,
  }) as unknown as EndpointContext;

describe('queryWaitMs', () => {
  const table: [string, number, number, number][] = [
    ['no wait asked: the default', 0, 0, 300_000],
    ['a short wait as asked', 30_000, 0, 30_000],
    ['a long wait capped', 3_600_000, 0, 600_000],
    ['jitter adds at most a sixteenth', 160_000, 0.999_999, 169_999],
  ];
  for (const [name, requestedMs, jitter, expected] of table) {
    it(name, () => assert.equal(queryWaitMs(context(jitter), requestedMs), expected));
  }
});

describe('arg readers', () => {
  it('refuse wrong types and missing required fields', () => {
    assert.throws(() => stringArg({ Node: 7 }, 'Node', { required: true }), BadRequestError);
    assert.throws(() => stringArg({}, 'Node', { required: true }), BadRequestError);
    assert.equal(stringArg({}, 'Node', { required: false }), '');
    assert.throws(() => booleanArg({ Connect: 'yes' }, 'Connect'), BadRequestError);
    assert.throws(() => stringListArg({ ServiceTags: [1] }, 'ServiceTags'), BadRequestError);
    assert.deepEqual(stringListArg({ ServiceTags: ['a'] }, 'ServiceTags'), ['a']);
  });
});
