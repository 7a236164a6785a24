// Proves `lattice intention create` reads SRC and DST as Consul's ParseIntentionTarget does: a bare name,
// namespace/name or partition/namespace/name, where only the default namespace and partition exist (as in Consul
// CE), and at most two slashes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intentionTarget } from './intention.js';

describe('intention targets', () => {
  it('takes a name, default/name and default/default/name', () => {
    assert.equal(intentionTarget('web', 'source'), 'web');
    assert.equal(intentionTarget('*', 'destination'), '*');
    assert.equal(intentionTarget('default/web', 'source'), 'web');
    assert.equal(intentionTarget('default/default/web', 'source'), 'web');
  });

  it('refuses other namespaces and partitions as not implemented, and more than two slashes', () => {
    assert.throws(() => intentionTarget('team/web', 'source'), { code: 'ERR_NOT_IMPLEMENTED' });
    assert.throws(() => intentionTarget('eu/default/web', 'destination'), {
      code: 'ERR_NOT_IMPLEMENTED',
      message: /^Error: Invalid intention destination: "eu\/default\/web"/,
    });
    assert.throws(() => intentionTarget('a/b/c/d', 'source'), {
      message: "Error: Invalid intention source: input can contain at most two '/'",
    });
  });
});
