// Proves the RPC edge validates what it decodes: a known method, a context of bounded strings, query options in
// range; garbage bytes decode to something validation refuses (never an exception inside grpc-js); errors keep
// their class and fields across encode/decode, and anything unknown becomes an internal error without details.
// Also the routing rule: which calls must run on the leader, including stale reads bounded by max_stale.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BadRequestError,
  decodeRpcError,
  encodeRpcError,
  NoPathToDatacenterError,
  RpcInternalError,
  WriteRefusedError,
} from './errors.js';
import type { Consistency } from './methods.js';
import { type MethodRoute, needsLeader } from './router.js';
import { decodeFrame, encodeFrame, validateQueryOptions, validateWireRequest } from './wire.js';

const good = {
  method: 'Health.ServiceNodes',
  args: { ServiceName: 'web' },
  context: { datacenter: 'dc1', token: '' },
  query: { minQueryIndex: 5, maxQueryTimeMs: 1000, consistency: 'stale', filter: '', nodeMeta: { rack: 'a' } },
  forwardHops: 0,
};

describe('validateWireRequest', () => {
  it('accepts a well-formed request after a msgpack round trip', () => {
    const request = validateWireRequest(decodeFrame(encodeFrame(good)));
    assert.equal(request.method, 'Health.ServiceNodes');
    assert.equal(request.query?.consistency, 'stale');
    assert.deepEqual(request.query?.nodeMeta, { rack: 'a' });
  });

  const refused: [string, unknown][] = [
    ['garbage bytes', decodeFrame(Buffer.from([0xc1, 0x00, 0xff]))],
    ['not an object', 42],
    ['unknown method', { ...good, method: 'KV.Apply' }],
    ['prototype key as method', { ...good, method: 'toString' }],
    ['no context', { ...good, context: undefined }],
    ['datacenter not a string', { ...good, context: { datacenter: 7 } }],
    ['huge token', { ...good, context: { datacenter: 'dc1', token: 'x'.repeat(5000) } }],
    ['negative index', { ...good, query: { ...good.query, minQueryIndex: -1 } }],
    ['fractional wait', { ...good, query: { ...good.query, maxQueryTimeMs: 1.5 } }],
    ['unknown consistency', { ...good, query: { ...good.query, consistency: 'eventual' } }],
    ['node-meta not strings', { ...good, query: { ...good.query, nodeMeta: { a: 1 } } }],
    ['negative hops', { ...good, forwardHops: -1 }],
  ];
  for (const [name, value] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => validateWireRequest(value), BadRequestError);
    });
  }

  it('defaults absent query fields', () => {
    assert.deepEqual(validateQueryOptions({}), {
      minQueryIndex: 0,
      maxQueryTimeMs: 0,
      consistency: 'default',
      filter: '',
      nodeMeta: {},
      maxStaleMs: 0,
    });
  });
});

describe('RPC errors on the wire', () => {
  it('keep their class, code and message', () => {
    const back = decodeRpcError(decodeFrame(encodeFrame(encodeRpcError(new NoPathToDatacenterError('dc9')))));
    assert.ok(back instanceof NoPathToDatacenterError);
    assert.equal(back.message, 'No path to datacenter');
    assert.equal(back.datacenter, 'dc9');
    const refused = decodeRpcError(
      encodeRpcError(new WriteRefusedError('ERR_MISSING_NODE', 'Missing node registration')),
    );
    assert.ok(refused instanceof WriteRefusedError);
    assert.equal(refused.code, 'ERR_MISSING_NODE');
  });

  it('hide the details of anything else', () => {
    const wire = encodeRpcError(new TypeError('secret internals at /src/x.ts:12'));
    assert.equal(wire.name, 'RpcInternalError');
    assert.doesNotMatch(wire.message, /secret/);
    assert.ok(decodeRpcError({ name: 'Whatever', message: 7 }) instanceof RpcInternalError);
  });
});

describe('needsLeader', () => {
  const table: [string, MethodRoute, Consistency, number, number, boolean][] = [
    ['a write', 'leader', 'stale', 0, 0, true],
    ['a default read', 'read', 'default', 0, 0, true],
    ['a consistent read', 'read', 'consistent', 0, 0, true],
    ['a stale read', 'read', 'stale', 0, 99_999, false],
    ['a stale read within max_stale', 'read', 'stale', 5_000, 100, false],
    ['a stale read past max_stale goes to the leader', 'read', 'stale', 5_000, 6_000, true],
    ['a local call', 'local', 'default', 0, 0, false],
  ];
  for (const [name, route, consistency, maxStaleMs, lastContactMs, expected] of table) {
    it(name, () => assert.equal(needsLeader(route, consistency, { maxStaleMs, lastContactMs }), expected));
  }
});
