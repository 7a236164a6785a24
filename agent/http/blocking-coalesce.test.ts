// Proves the sharing of identical blocking reads with a scripted inner RpcClient: a hundred identical waiters cost
// one call and all get its answer; a different index, wait, token or a `?consistent`, non-blocking or write call is
// never shared; one waiter leaving keeps the shared call alive for the rest, the last one leaving aborts it; and a
// full table sends calls straight through.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallOptions, QueryOptions } from '../../server/rpc/methods.js';
import { CoalescingRpcClient } from './blocking-coalesce.js';
import { FakeRpcClient, meta } from './testing/fake-rpc.js';

function blocking(index: number, extra: Partial<QueryOptions> = {}, signal?: AbortSignal): CallOptions {
  return {
    context: { datacenter: 'dc1', token: '' },
    query: { minQueryIndex: index, maxQueryTimeMs: 30_000, consistency: 'default', filter: '', nodeMeta: {}, ...extra },
    ...(signal ? { signal } : {}),
  };
}

/** An inner client whose Catalog.ListNodes answers only when the test says so. */
function gated() {
  const releases: (() => void)[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const inner = new FakeRpcClient().on('Catalog.ListNodes', (_args, options) => {
    signals.push(options.signal);
    return new Promise((resolve, reject) => {
      releases.push(() => resolve({ value: [], meta: meta(9) }));
      options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
    });
  });
  const releaseAll = (): void => {
    for (const release of releases.splice(0)) release();
  };
  return { inner, releases, signals, releaseAll };
}

describe('CoalescingRpcClient', () => {
  it('serves a hundred identical blocking reads with one call', async () => {
    const { inner, releaseAll } = gated();
    const client = new CoalescingRpcClient(inner);
    const waiters = Array.from({ length: 100 }, () => client.call('Catalog.ListNodes', {}, blocking(5)));
    assert.equal(inner.calls.length, 1);
    releaseAll();
    const answers = await Promise.all(waiters);
    assert.ok(answers.every((answer) => answer.meta.index === 9));
    assert.equal(client.inFlightCount, 0);
    assert.deepEqual(client.stats, { joined: 99, started: 1, overflowed: 0 });
  });

  it('never shares reads that differ or must not be shared', async () => {
    const { inner, releaseAll } = gated();
    inner.on('Catalog.Register', () => true);
    const client = new CoalescingRpcClient(inner);
    const calls = [
      client.call('Catalog.ListNodes', {}, blocking(5)),
      client.call('Catalog.ListNodes', {}, blocking(6)),
      client.call('Catalog.ListNodes', {}, blocking(5, { maxQueryTimeMs: 60_000 })),
      client.call('Catalog.ListNodes', {}, blocking(5, { consistency: 'stale' })),
      client.call('Catalog.ListNodes', {}, blocking(5, { consistency: 'consistent' })),
      client.call('Catalog.ListNodes', {}, blocking(5, { consistency: 'consistent' })),
      client.call('Catalog.ListNodes', {}, blocking(0)),
      client.call('Catalog.ListNodes', {}, blocking(0)),
      client.call('Catalog.ListNodes', {}, { ...blocking(5), context: { datacenter: 'dc1', token: 'other' } }),
      client.call('Catalog.Register', { Node: 'n' }, { context: { datacenter: 'dc1', token: '' } }),
    ];
    assert.equal(inner.calls.length, calls.length);
    releaseAll();
    await Promise.all(calls);
  });

  it('keeps the shared call for the waiters left, and aborts it when the last one leaves', async () => {
    const { inner, signals } = gated();
    const client = new CoalescingRpcClient(inner);
    const first = new AbortController();
    const second = new AbortController();
    const one = client.call('Catalog.ListNodes', {}, blocking(5, {}, first.signal));
    const two = client.call('Catalog.ListNodes', {}, blocking(5, {}, second.signal));
    first.abort(new Error('client gone'));
    await assert.rejects(one);
    assert.equal(signals[0]?.aborted, false);
    second.abort(new Error('client gone'));
    await assert.rejects(two);
    assert.equal(signals[0]?.aborted, true);
    assert.equal(client.inFlightCount, 0);
  });

  it('passes the failure of a shared call to every waiter', async () => {
    const inner = new FakeRpcClient().on('Catalog.ListNodes', async () => {
      throw new Error('No cluster leader');
    });
    const client = new CoalescingRpcClient(inner);
    const results = await Promise.allSettled([
      client.call('Catalog.ListNodes', {}, blocking(5)),
      client.call('Catalog.ListNodes', {}, blocking(5)),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    assert.equal(client.inFlightCount, 0);
  });

  it('sends calls straight through when the table is full', async () => {
    const { inner, releaseAll } = gated();
    const client = new CoalescingRpcClient(inner, 1);
    const calls = [
      client.call('Catalog.ListNodes', {}, blocking(5)),
      client.call('Catalog.ListNodes', {}, blocking(6)),
      client.call('Catalog.ListNodes', {}, blocking(6)),
    ];
    assert.equal(inner.calls.length, 3);
    assert.equal(client.stats.overflowed, 2);
    releaseAll();
    await Promise.all(calls);
  });
});
