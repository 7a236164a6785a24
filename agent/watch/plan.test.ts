// The watch plan against a scripted fake agent and a ManualClock: which index each request blocks on, when the
// handler runs (new index and new result only), the resets (index backwards, index 0, after an error), Consul's
// backoff of 5 s × failures² capped at 180 s, the event watch's pruning, and the watch types' parameter checks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type Timer } from '../../lib/clock.js';
import { type FetchLike, nextWaitIndex, WatchPlan, watchRetryDelayMs } from './plan.js';
import { type WatchSpec, watchSpec } from './types.js';

type Answer = { status?: number; index?: string | null; body?: unknown } | 'unreachable';

/** A fake agent: answers requests from a script, then holds the next one open until the plan is stopped. */
class ScriptedAgent {
  readonly urls: URL[] = [];
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly script: Answer[]) {}

  readonly fetch: FetchLike = async (url, init) => {
    this.urls.push(url);
    for (const wake of this.waiters.splice(0)) wake();
    const answer = this.script.shift();
    if (answer === undefined)
      return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    if (answer === 'unreachable') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const headers = new Headers();
    if (answer.index !== null) headers.set('X-Consul-Index', answer.index ?? '1');
    return new Response(JSON.stringify(answer.body ?? []), { status: answer.status ?? 200, headers });
  };

  /** Resolves once `count` requests have been made. */
  async requests(count: number): Promise<void> {
    while (this.urls.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The `index` query parameter of each request, '' when none was sent. */
  indexes(): string[] {
    return this.urls.map((url) => url.searchParams.get('index') ?? '');
  }
}

/** A ManualClock that records each timer's delay and lets a test wait until the plan arms one. */
class RecordingClock extends ManualClock {
  readonly delays: number[] = [];
  private readonly waiters: (() => void)[] = [];
  override setTimer(delayMs: number, callback: () => void): Timer {
    this.delays.push(delayMs);
    for (const wake of this.waiters.splice(0)) wake();
    return super.setTimer(delayMs, callback);
  }
  async armed(count: number): Promise<void> {
    while (this.delays.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

interface Run {
  readonly agent: ScriptedAgent;
  readonly clock: RecordingClock;
  readonly calls: { index: bigint; result: unknown }[];
  readonly errors: string[];
  readonly stop: AbortController;
  readonly done: Promise<void>;
}

function start(script: Answer[], spec: WatchSpec = watchSpec({ type: 'services' })): Run {
  const agent = new ScriptedAgent(script);
  const clock = new RecordingClock();
  const calls: { index: bigint; result: unknown }[] = [];
  const errors: string[] = [];
  const stop = new AbortController();
  const plan = new WatchPlan({
    spec,
    target: { baseUrl: 'http://agent.test:8500', token: 'secret' },
    clock,
    fetch: agent.fetch,
    handler: async (index, result) => {
      calls.push({ index, result });
    },
    onError: (error, retryMs) => errors.push(`${retryMs} ${error.message}`),
  });
  return { agent, clock, calls, errors, stop, done: plan.run(stop.signal) };
}

async function finish(run: Run): Promise<void> {
  run.stop.abort();
  await run.done;
}

describe('WatchPlan indexes', () => {
  it('blocks on the last index and runs the handler only for a new index with a new result', async () => {
    const run = start([
      { index: '5', body: { web: [] } },
      { index: '5', body: { web: [] } }, // the wait timed out: no change
      { index: '6', body: { web: [] } }, // an idempotent write: same result
      { index: '7', body: { web: [], api: ['v1'] } },
    ]);
    await run.agent.requests(5);
    assert.deepEqual(run.agent.indexes(), ['', '5', '5', '6', '7']);
    assert.deepEqual(run.calls, [
      { index: 5n, result: { web: [] } },
      { index: 7n, result: { web: [], api: ['v1'] } },
    ]);
    assert.equal(run.agent.urls[0]?.pathname, '/v1/catalog/services');
    // Blocking requests name their wait: under the 300 s Node's fetch allows for headers, jitter included.
    assert.deepEqual(
      run.agent.urls.map((url) => url.searchParams.get('wait')),
      [null, '240s', '240s', '240s', '240s'],
    );
    await finish(run);
  });

  it('resets to index 0 when the index goes backwards, and runs the handler for the new result', async () => {
    const run = start([
      { index: '100', body: { a: [] } },
      { index: '40', body: { b: [] } },
      { index: '41', body: { b: [] } },
    ]);
    await run.agent.requests(4);
    assert.deepEqual(run.agent.indexes(), ['', '100', '', '41']);
    assert.deepEqual(
      run.calls.map((call) => call.index),
      [100n, 40n],
    );
    await finish(run);
  });

  it('never blocks on index 0: it asks at index 1 instead of spinning', async () => {
    const run = start([{ index: '0', body: {} }]);
    await run.agent.requests(2);
    assert.deepEqual(run.agent.indexes(), ['', '1']);
    assert.deepEqual(nextWaitIndex(0n, null), 1n);
    await finish(run);
  });

  it('does not order event indexes (hashes of random UUIDs): a lower one is simply the next to block on', () => {
    assert.equal(nextWaitIndex(40n, 100n, false), 40n);
    assert.equal(nextWaitIndex(40n, 100n, true), 0n);
  });
});

describe('WatchPlan errors', () => {
  it("backs off 5 s × failures², forgets the index, and clears the count after a success (Consul's plan)", async () => {
    const run = start([
      { index: '9', body: { x: [] } },
      'unreachable',
      { status: 500, body: 'No cluster leader' },
      { index: null, body: {} },
      { index: '9', body: { x: [] } },
      'unreachable',
    ]);
    await run.agent.requests(2);
    await run.clock.armed(1);
    assert.equal(run.clock.delays[0], 5_000);
    run.clock.advance(5_000);
    await run.agent.requests(3);
    await run.clock.armed(2);
    assert.equal(run.clock.delays[1], 20_000);
    run.clock.advance(20_000);
    await run.agent.requests(4);
    await run.clock.armed(3);
    assert.equal(run.clock.delays[2], 45_000);
    run.clock.advance(45_000);
    await run.agent.requests(6);
    await run.clock.armed(4);
    assert.equal(run.clock.delays[3], 5_000, 'a success resets the failure count');
    // After each error the next request starts over without an index, and its result goes to the handler even when
    // unchanged (Consul compares results only against a known index): the handler may have missed a change.
    assert.deepEqual(run.agent.indexes(), ['', '9', '', '', '', '9']);
    assert.equal(run.calls.length, 2);
    assert.match(run.errors[0] ?? '', /^5000 cannot reach the agent at http:\/\/agent.test:8500 \(ECONNREFUSED\)$/);
    assert.equal(run.errors[1], '20000 Unexpected response code: 500 ("No cluster leader")');
    assert.match(run.errors[2] ?? '', /Failed to parse X-Consul-Index/);
    await finish(run);
  });

  it('caps the backoff at 180 s', () => {
    assert.deepEqual(
      [1, 2, 3, 5, 6, 7, 100].map(watchRetryDelayMs),
      [5_000, 20_000, 45_000, 125_000, 180_000, 180_000, 180_000],
    );
  });

  it('stops during a backoff wait when aborted', async () => {
    const run = start(['unreachable']);
    await run.clock.armed(1);
    await finish(run);
    assert.equal(run.agent.urls.length, 1);
  });

  it('rejects when the handler fails, as consul watch exits on a failed handler', async () => {
    const agent = new ScriptedAgent([{ index: '3', body: {} }]);
    const plan = new WatchPlan({
      spec: watchSpec({ type: 'nodes' }),
      target: { baseUrl: 'http://agent.test:8500', token: null },
      clock: new ManualClock(),
      fetch: agent.fetch,
      handler: async () => {
        throw new Error('exit status 2');
      },
    });
    await assert.rejects(plan.run(new AbortController().signal), /exit status 2/);
  });
});

describe('watch types', () => {
  const uuid = (n: number) => `00000000-0000-0000-0000-00000000000${n}`;
  const events = [1, 2, 3].map((n) => ({ ID: uuid(n), Name: 'deploy' }));

  it('hands a key watch the pair itself, or null when the key is absent', async () => {
    const run = start(
      [
        { status: 404, index: '4', body: '' },
        { index: '5', body: [{ Key: 'a/b', Value: 'dg==' }] },
      ],
      watchSpec({ type: 'key', key: 'a/b' }),
    );
    await run.agent.requests(3);
    assert.deepEqual(run.calls, [
      { index: 4n, result: null },
      { index: 5n, result: { Key: 'a/b', Value: 'dg==' } },
    ]);
    assert.equal(run.agent.urls[0]?.pathname, '/v1/kv/a/b');
    await finish(run);
  });

  it('hands an event watch all listed events first, then only those after the one it blocked on', async () => {
    const run = start(
      [
        { index: '2', body: events.slice(0, 2) },
        { index: '3', body: events },
      ],
      watchSpec({ type: 'event', name: 'deploy' }),
    );
    await run.agent.requests(3);
    assert.deepEqual(run.calls, [
      { index: 2n, result: events.slice(0, 2) },
      { index: 3n, result: [events[2]] },
    ]);
    assert.equal(run.agent.urls[0]?.search, '?name=deploy');
    await finish(run);
  });

  it('builds the request of each type as Consul does', () => {
    const target = (spec: WatchSpec) => `${spec.path}${spec.query.map(([k, v]) => `|${k}=${v}`).join('')}`;
    assert.equal(target(watchSpec({ type: 'keyprefix', prefix: 'app/' })), '/v1/kv/app/|recurse=');
    assert.equal(target(watchSpec({ type: 'nodes' })), '/v1/catalog/nodes');
    assert.equal(
      target(watchSpec({ type: 'service', service: 'web', tag: 'v1', passingonly: true })),
      '/v1/health/service/web|tag=v1|passing=1',
    );
    assert.equal(target(watchSpec({ type: 'checks' })), '/v1/health/state/any');
    assert.equal(target(watchSpec({ type: 'checks', state: 'critical' })), '/v1/health/state/critical');
    assert.equal(target(watchSpec({ type: 'checks', service: 'web' })), '/v1/health/checks/web');
    assert.equal(target(watchSpec({ type: 'event' })), '/v1/event/list');
  });

  it("refuses what Consul's Parse refuses, with its wording", () => {
    assert.throws(() => watchSpec({}), /^WatchParamsError: Watch type must be specified$/);
    assert.throws(() => watchSpec({ type: 'keys' }), /Unsupported watch type: keys/);
    assert.throws(() => watchSpec({ type: 'key' }), /Must specify a single key to watch/);
    assert.throws(() => watchSpec({ type: 'keyprefix' }), /Must specify a single prefix to watch/);
    assert.throws(() => watchSpec({ type: 'service' }), /Must specify a single service to watch/);
    assert.throws(() => watchSpec({ type: 'checks', service: 'a', state: 'any' }), /Cannot specify service and state/);
    assert.throws(() => watchSpec({ type: 'nodes', key: 'x' }), /Invalid parameters: \[key\]/);
  });
});
