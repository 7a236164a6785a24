// Proves Serf's pure pieces on tables: Lamport clocks, tag encoding, the serf message codec (strict on hostile
// input), de-duplication rings, coalescing, query bookkeeping, reap/reconnect decisions, the snapshot format,
// keyring query answers and their aggregation, and the query-timeout formula.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { SeededRand } from '../../lib/rand.js';
import { Keyring } from '../keyring.js';
import { UserEventCoalescer } from './coalescer.js';
import { defaultQueryTimeoutMs, validateSerfConfig } from './config.js';
import { LamportRing } from './event-buffer.js';
import { aggregateKeyResponses, answerKeyringQuery, encodeKeyRequest } from './keyring-queries.js';
import { LamportClock } from './lamport.js';
import { chooseReconnectTarget, membersToReap, type SerfMember } from './members.js';
import { decodeSerfMessage, encodeSerfMessage, type SerfMessage } from './messages.js';
import { QueryTracker } from './queries.js';
import { formatSnapshot, parseSnapshot } from './snapshot.js';
import { decodeTags, encodeTags } from './tags.js';
import { decodeUserState, encodeUserState } from './user-state.js';

describe('LamportClock', () => {
  it('increments and witnesses', () => {
    const clock = new LamportClock();
    assert.equal(clock.increment(), 1);
    clock.witness(10);
    assert.equal(clock.time(), 11);
    clock.witness(5);
    assert.equal(clock.time(), 11);
    clock.witness(-3);
    clock.witness(Number.NaN);
    assert.equal(clock.time(), 11);
  });
});

describe('tags', () => {
  it('round-trips well-known and custom tags compactly', () => {
    const tags = {
      role: 'consul',
      dc: 'dc1',
      port: '8300',
      build: '0.1.0',
      segment: '',
      custom_key: 'v',
      __proto__x: 'y',
    };
    const bytes = encodeTags(tags);
    assert.deepEqual(decodeTags(bytes), tags);
    assert.ok(bytes.length < 70, `encoded in ${bytes.length} bytes`);
  });
  it('keeps a "__proto__" key as a plain tag', () => {
    const decoded = decodeTags(encodeTags({ ['__proto__']: 'x' } as Record<string, string>));
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  });
  const bad: [string, Uint8Array, RegExp][] = [
    ['an unknown version', Uint8Array.from([9]), /unknown tags version/],
    ['a truncated value', Uint8Array.from([1, 0x80, 0, 5, 65]), /truncated/],
    ['an unknown well-known code', Uint8Array.from([1, 0xff, 0, 0]), /unknown well-known/],
    ['a duplicate key', Uint8Array.from([1, 0x80, 0, 0, 0x80, 0, 0]), /duplicate/],
    ['bad UTF-8', Uint8Array.from([1, 0x80, 0, 1, 0xff]), /UTF-8/],
  ];
  for (const [name, bytes, message] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => decodeTags(bytes), message));
  }
  it('refuses tags over 512 bytes', () => {
    assert.throws(() => encodeTags({ big: 'x'.repeat(600) }), /512-byte limit/);
  });
});

describe('serf messages', () => {
  const messages: SerfMessage[] = [
    { type: 'user-event', ltime: 7, name: 'deploy', payload: Buffer.from('v2'), coalesce: true },
    {
      type: 'query',
      ltime: 3,
      id: 42,
      from: '10.0.0.1:8301',
      sourceNode: 'a',
      filters: { nodes: ['b'], tags: { role: 'consul' } },
      wantAck: true,
      relayFactor: 2,
      timeoutMs: 5000,
      name: 'ping',
      payload: Buffer.from('x'),
    },
    { type: 'query-response', ltime: 3, id: 42, from: 'b', ack: false, payload: Buffer.from('pong') },
    {
      type: 'relay',
      to: '10.0.0.1:8301',
      response: { type: 'query-response', ltime: 3, id: 42, from: 'b', ack: true, payload: Buffer.alloc(0) },
    },
  ];
  for (const message of messages) {
    it(`round-trips ${message.type}`, () => {
      const decoded = decodeSerfMessage(encodeSerfMessage(message));
      assert.deepEqual(JSON.parse(JSON.stringify(decoded)), JSON.parse(JSON.stringify(message)));
    });
  }
  it('refuses hostile input with SerfDecodeError only', () => {
    const rand = new SeededRand(5);
    const valid = encodeSerfMessage(messages[1]!);
    for (let trial = 0; trial < 2_000; trial++) {
      const bytes = Uint8Array.from(valid);
      const flips = 1 + rand.intBelow(4);
      for (let flip = 0; flip < flips; flip++) bytes[rand.intBelow(bytes.length)] = rand.intBelow(256);
      const cut = bytes.subarray(0, rand.intBelow(bytes.length + 1));
      try {
        decodeSerfMessage(cut);
      } catch (error) {
        assert.equal((error as Error).name, 'SerfDecodeError', String(error));
      }
    }
  });
});

describe('LamportRing', () => {
  it('admits new items, refuses duplicates and anything older than the window', () => {
    const ring = new LamportRing<string>(4, (a, b) => a === b);
    assert.equal(ring.admit(1, 'a', 1), 'new');
    assert.equal(ring.admit(1, 'a', 1), 'duplicate');
    assert.equal(ring.admit(1, 'b', 1), 'new');
    assert.equal(ring.admit(5, 'c', 10), 'too-old');
    assert.equal(ring.admit(9, 'd', 10), 'new'); // replaces slot 1 (9 mod 4)
    assert.deepEqual(
      ring.entries().map((slot) => slot.ltime),
      [9],
    );
  });
});

describe('UserEventCoalescer', () => {
  it('delivers only the newest event per name after the quiet period, or at the coalesce limit', () => {
    const coalescer = new UserEventCoalescer(1_000, 3_000);
    const event = (ltime: number, name = 'deploy') => ({ ltime, name, payload: new Uint8Array(0) });
    assert.deepEqual(coalescer.offer(event(1), 0), []);
    coalescer.offer(event(3), 500);
    coalescer.offer(event(2), 600);
    assert.deepEqual(coalescer.due(1_500), []);
    assert.deepEqual(
      coalescer.due(1_600).map((item) => item.ltime),
      [3],
    );
    for (let at = 0; at <= 3_000; at += 500) coalescer.offer(event(at, 'busy'), at);
    assert.deepEqual(
      coalescer.due(3_000).map((item) => item.ltime),
      [3_000],
    );
    assert.equal(coalescer.nextDueMs(), null);
  });
});

describe('QueryTracker', () => {
  it('collects one response and one ack per member and finishes at the deadline', () => {
    const tracker = new QueryTracker(2);
    assert.equal(tracker.start(1, 'q', 1_000), true);
    assert.equal(tracker.record(1, 'a', true, new Uint8Array(0)), 'recorded');
    assert.equal(tracker.record(1, 'a', false, Buffer.from('x')), 'recorded');
    assert.equal(tracker.record(1, 'a', false, Buffer.from('y')), 'ignored');
    assert.equal(tracker.record(9, 'a', false, Buffer.from('y')), 'ignored');
    assert.deepEqual(tracker.due(999), []);
    const [result] = tracker.due(1_000);
    assert.deepEqual([...result!.responses.keys()], ['a']);
    assert.deepEqual([...result!.acks], ['a']);
    assert.equal(tracker.ignoredResponses, 2);
  });
  it('finishes early when the expected responses arrived and refuses beyond capacity', () => {
    const tracker = new QueryTracker(1);
    tracker.start(1, 'q', 1_000, 1);
    assert.equal(tracker.start(2, 'q', 1_000), false);
    const done = tracker.record(1, 'a', false, Buffer.from('x'));
    assert.equal(typeof done, 'object');
    assert.equal(tracker.size, 0);
  });
});

describe('reap and reconnect decisions', () => {
  const member = (name: string, status: SerfMember['status'], statusChangeMs: number): SerfMember => ({
    name,
    address: `${name}:8301`,
    tags: {},
    status,
    statusChangeMs,
  });
  const limits = { reconnectTimeoutMs: 100, tombstoneTimeoutMs: 50 };
  it('reaps failed members past reconnect_timeout and left members past the tombstone timeout', () => {
    const members = [
      member('a', 'alive', 0),
      member('f', 'failed', 0),
      member('l', 'left', 0),
      member('g', 'failed', 90),
    ];
    assert.deepEqual(
      membersToReap(members, 60, limits).map((m) => m.name),
      ['l'],
    );
    assert.deepEqual(
      membersToReap(members, 101, limits).map((m) => m.name),
      ['f', 'l'],
    );
  });
  it('picks a failed member to reconnect, never an alive or left one', () => {
    const rand = new SeededRand(1);
    const members = [member('a', 'alive', 0), member('f', 'failed', 0), member('l', 'left', 0)];
    for (let round = 0; round < 50; round++) {
      const target = chooseReconnectTarget(members, rand);
      assert.ok(target === null || target.name === 'f');
    }
    assert.equal(chooseReconnectTarget([member('a', 'alive', 0)], rand), null);
  });
});

describe('snapshot format', () => {
  it('replays alive/not-alive/clocks and stops rejoining after leave', () => {
    const state = parseSnapshot(
      'alive: a 10.0.0.1:8301\nalive: b 10.0.0.2:8301\nnot-alive: a\nclock: 5\nevent-clock: 9\nquery-clock: 2\ngarbage\nclock: x\n',
    );
    assert.deepEqual([...state.alive], [['b', '10.0.0.2:8301']]);
    assert.deepEqual([state.clock, state.eventClock, state.queryClock, state.skippedLines], [5, 9, 2, 2]);
    assert.deepEqual(parseSnapshot(formatSnapshot(state)).alive, state.alive);
    const left = parseSnapshot('alive: b 10.0.0.2:8301\nleave\n');
    assert.equal(left.left, true);
    assert.equal(left.alive.size, 0);
  });
});

describe('keyring queries', () => {
  const key = (): string => randomBytes(32).toString('base64');
  it('applies install/use/remove to the local keyring and reports refusals', () => {
    const [first, second] = [key(), key()];
    const ring = new Keyring([first]);
    assert.equal(answerKeyringQuery('install', encodeKeyRequest(second), ring).changed, true);
    assert.equal(answerKeyringQuery('use', encodeKeyRequest(second), ring).changed, true);
    const refused = answerKeyringQuery('remove', encodeKeyRequest(second), ring);
    const summary = aggregateKeyResponses(new Map([['a', refused.response]]), 1);
    assert.equal(summary.NumErr, 1);
    assert.match(summary.Messages.a!, /primary key/);
    assert.equal(answerKeyringQuery('remove', encodeKeyRequest(first), ring).changed, true);
    assert.deepEqual(ring.list(), [second]);
  });
  it('cuts a long key list to fit 1024 bytes and says so', () => {
    const ring = new Keyring(Array.from({ length: 30 }, () => key()));
    const { response } = answerKeyringQuery('list', new Uint8Array(0), ring);
    assert.ok(response.length <= 1_024);
    const summary = aggregateKeyResponses(new Map([['a', response]]), 1);
    assert.equal(summary.NumErr, 0);
    assert.ok(Object.keys(summary.Keys).length < 30);
    assert.deepEqual(summary.PrimaryKeys, { [ring.primaryKeyBase64()]: 1 });
  });
  it('aggregates key lists with holder counts', () => {
    const [k1, k2] = [key(), key()];
    const a = answerKeyringQuery('list', new Uint8Array(0), new Keyring([k1, k2])).response;
    const b = answerKeyringQuery('list', new Uint8Array(0), new Keyring([k1])).response;
    const none = answerKeyringQuery('list', new Uint8Array(0), null).response;
    const summary = aggregateKeyResponses(
      new Map([
        ['a', a],
        ['b', b],
        ['c', none],
        ['d', Buffer.from('junk')],
      ]),
      4,
    );
    assert.deepEqual(summary.Keys, { [k1]: 2, [k2]: 1 });
    assert.deepEqual(summary.PrimaryKeys, { [k1]: 2 });
    assert.deepEqual([summary.NumNodes, summary.NumResp, summary.NumErr], [4, 4, 2]);
    assert.match(summary.Messages.c!, /encryption not enabled/);
  });
});

describe('user state and config', () => {
  const limits = { eventSlotCountMax: 64, leaveIntentCountMax: 2, leftMemberCountMax: 2 };
  const state = {
    clock: 3,
    eventClock: 4,
    queryClock: 5,
    events: [{ ltime: 2, events: [{ name: 'e', payload: Buffer.from('p') }] }],
    leaveIntents: [
      { node: 'n1', ltime: 9, prune: true, incarnation: 2, ageMs: 1_500 },
      { node: 'n2', ltime: 10, prune: false, incarnation: null, ageMs: 0 },
    ],
    leftMembers: [{ node: 'n3', incarnation: 7 }],
  };
  it('round-trips push-pull state (clocks, events, leave intents, left members) and refuses junk', () => {
    assert.deepEqual(
      JSON.parse(JSON.stringify(decodeUserState(encodeUserState(state), limits))),
      JSON.parse(JSON.stringify(state)),
    );
    assert.throws(() => decodeUserState(Buffer.from([0x93, 1, 2, 3]), limits), { name: 'SerfDecodeError' });
  });
  it('reads the state of a version that carried no leaves, and refuses malformed or too many leaves', () => {
    const old = Buffer.from(new Packr({ useRecords: false }).pack([3, 4, 5, []]));
    const decoded = decodeUserState(old, limits);
    assert.deepEqual([decoded.clock, decoded.leaveIntents, decoded.leftMembers], [3, [], []]);
    const bad = (leaveIntents: unknown, leftMembers: unknown) =>
      Buffer.from(new Packr({ useRecords: false }).pack([3, 4, 5, [], leaveIntents, leftMembers]));
    for (const [intents, left] of [
      [[['n1', 9, true, 2]], []], // an intent without its age
      [[['', 9, true, 2, 0]], []], // an empty node name
      [[['n1', -1, true, 2, 0]], []], // a negative Lamport time
      [[['n1', 9, 'yes', 2, 0]], []], // a prune flag that is not a boolean
      [[['n1', 9, true, 1.5, 0]], []], // a fractional incarnation
      [[], [['n3']]], // a left member without its incarnation
      [
        [],
        [
          ['n3', 1],
          ['n4', 1],
          ['n5', 1],
        ],
      ], // more left members than the limit
      [
        [
          ['a', 1, false, 0, 0],
          ['b', 1, false, 0, 0],
          ['c', 1, false, 0, 0],
        ],
        [],
      ], // more intents than the limit
    ]) {
      assert.throws(
        () => decodeUserState(bad(intents, left), limits),
        { name: 'SerfDecodeError' },
        JSON.stringify([intents, left]),
      );
    }
  });
  it('computes the default query timeout as gossipInterval × 16 × ceil(log10(n + 1))', () => {
    const config = validateSerfConfig({ nodeName: 'a' });
    assert.equal(defaultQueryTimeoutMs(config, 1), 200 * 16 * 1);
    assert.equal(defaultQueryTimeoutMs(config, 9), 200 * 16 * 1);
    assert.equal(defaultQueryTimeoutMs(config, 10), 200 * 16 * 2);
    assert.equal(defaultQueryTimeoutMs(config, 100), 200 * 16 * 3);
  });
  it('refuses a reconnect timeout under 8h', () => {
    assert.throws(() => validateSerfConfig({ nodeName: 'a', reconnectTimeoutMs: 60_000 }), /at least 8h/);
  });
});
