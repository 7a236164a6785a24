// EventStore: the 256-event ring, filters applied on receipt, the compact wire form and Consul's list index.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeEvent,
  EventStore,
  encodeEvent,
  eventBufferSize,
  eventMatches,
  eventToJson,
  listIndex,
  type UserEvent,
  userEventPrefix,
  uuidToUint64,
} from './events.js';

const target = (services: { id: string; tags: string[] }[] = []) => ({
  nodeName: 'web-1',
  services: () => services,
});

function loopback(services: { id: string; tags: string[] }[] = []): EventStore {
  let ltime = 0;
  const store: EventStore = new EventStore(target(services), (name, payload) => {
    ltime++;
    store.receive(name, payload, ltime);
    return ltime;
  });
  return store;
}

const event = (over: Partial<UserEvent> = {}): UserEvent => ({
  id: '11111111-2222-3333-4444-555555555555',
  name: 'deploy',
  payload: new Uint8Array(0),
  nodeFilter: '',
  serviceFilter: '',
  tagFilter: '',
  version: 1,
  ltime: 1,
  ...over,
});

describe('uuidToUint64', () => {
  it('XORs the first 8 bytes with the last 8, as Consul does', () => {
    assert.equal(uuidToUint64('11111111-2222-3333-4444-555555555555'), 0x1111111122223333n ^ 0x4444555555555555n);
    assert.equal(uuidToUint64('00000000-0000-0000-0000-000000000001'), 1n);
    // Consul's own vector (agent/event_endpoint_test.go TestUUIDToUint64).
    assert.equal(uuidToUint64('cb9a81ad-fff6-52ac-92a7-5f70687805ec'), 6430540886266763072n);
    assert.equal(uuidToUint64('not-a-uuid'), 0n);
  });
  it('gives the newest event as the list index, 1 for none (so an idle watch blocks instead of looping)', () => {
    assert.equal(listIndex([]), 1n);
    const newest = event({ id: '00000000-0000-0001-0000-000000000003' });
    assert.equal(listIndex([event(), newest]), 2n);
  });
});

describe('wire form', () => {
  it('round-trips the whole event struct under the consul:event: prefix', () => {
    const sent = event({
      payload: new Uint8Array([1, 2, 3]),
      nodeFilter: 'web',
      serviceFilter: 'api',
      tagFilter: 'v1',
    });
    const decoded = decodeEvent(`${userEventPrefix}deploy`, encodeEvent(sent), 7);
    assert.deepEqual(decoded, { ...sent, ltime: 7 });
  });
  it('ignores events that are not Consul events', () => {
    assert.equal(decodeEvent('deploy', encodeEvent(event()), 1), null);
    assert.equal(decodeEvent(`${userEventPrefix}x`, new Uint8Array([0xff]), 1), null);
  });
  it('shows an empty payload as null and others as base64', () => {
    assert.equal(eventToJson(event()).Payload, null);
    const json = eventToJson(event({ payload: new Uint8Array(Buffer.from('hi')) }));
    assert.equal(json.Payload, Buffer.from('hi').toString('base64'));
    assert.equal(json.Version, 1);
  });
});

describe('filters', () => {
  it('matches the node name as an unanchored regex', () => {
    assert.equal(eventMatches(event({ nodeFilter: 'web' }), target()), true);
    assert.equal(eventMatches(event({ nodeFilter: '^db' }), target()), false);
  });
  it('needs a matching local service, and a matching tag on it', () => {
    const local = target([{ id: 'api', tags: ['v1', 'primary'] }]);
    assert.equal(eventMatches(event({ serviceFilter: 'api' }), local), true);
    assert.equal(eventMatches(event({ serviceFilter: 'api', tagFilter: 'prim' }), local), true);
    assert.equal(eventMatches(event({ serviceFilter: 'api', tagFilter: 'v2' }), local), false);
    assert.equal(eventMatches(event({ serviceFilter: 'db' }), local), false);
    assert.equal(eventMatches(event({ serviceFilter: 'api' }), target()), false);
  });
  it("matches the service filter against the instance ID, as Consul's shouldProcessUserEvent does", () => {
    const local = target([{ id: 'web-blue', tags: ['v1'] }]);
    assert.equal(eventMatches(event({ serviceFilter: '^web-blue$' }), local), true);
    assert.equal(eventMatches(event({ serviceFilter: '^web$' }), local), false);
  });
  it('needs the tag on the same service instance the service filter matched', () => {
    const local = target([
      { id: 'api', tags: ['v1'] },
      { id: 'db', tags: ['primary'] },
    ]);
    assert.equal(eventMatches(event({ serviceFilter: 'api', tagFilter: 'primary' }), local), false);
    assert.equal(eventMatches(event({ serviceFilter: 'api|db', tagFilter: 'primary' }), local), true);
  });
  it("accepts Go's inline flags and named groups, and never matches a filter that does not compile", () => {
    assert.equal(eventMatches(event({ nodeFilter: '(?i)^WEB-' }), target()), true);
    assert.equal(eventMatches(event({ nodeFilter: '(?P<role>web)-1' }), target()), true);
    assert.equal(eventMatches(event({ nodeFilter: '(' }), target()), false);
  });
  it('stores only the events whose filters match', () => {
    const store = loopback([{ id: 'api', tags: [] }]);
    store.fire({ name: 'a', payload: new Uint8Array(0), nodeFilter: 'db' });
    store.fire({ name: 'b', payload: new Uint8Array(0), serviceFilter: 'api' });
    assert.deepEqual(
      store.list().map((e) => e.name),
      ['b'],
    );
  });
  it("hands Consul's remote-exec events that match to the remote exec handler, never to the list", () => {
    const handed: string[] = [];
    const store = new EventStore(
      target(),
      () => 0,
      (rexec) => handed.push(rexec.nodeFilter),
    );
    assert.equal(store.receive(`${userEventPrefix}_rexec`, encodeEvent(event({ name: '_rexec' })), 1), false);
    const other = encodeEvent(event({ name: '_rexec', nodeFilter: '^db' }));
    assert.equal(store.receive(`${userEventPrefix}_rexec`, other, 2), false);
    assert.deepEqual(handed, [''], 'only the event whose node filter matches web-1');
    assert.equal(store.list().length, 0);
  });
});

describe('EventStore', () => {
  it('keeps the last 256 events, oldest first, and filters by name', () => {
    const store = loopback();
    for (let i = 0; i < eventBufferSize + 10; i++)
      store.fire({ name: i % 2 === 0 ? 'even' : 'odd', payload: new Uint8Array([i % 256]) });
    const all = store.list();
    assert.equal(all.length, eventBufferSize);
    assert.equal(all[0]?.payload[0], 10);
    assert.equal(all.at(-1)?.ltime, eventBufferSize + 10);
    assert.ok(store.list('odd').every((e) => e.name === 'odd'));
    assert.equal(store.list('odd').length, eventBufferSize / 2);
  });
  it('wakes listeners on each accepted event', () => {
    const store = loopback();
    let woken = 0;
    const off = store.onEvent(() => woken++);
    store.fire({ name: 'x', payload: new Uint8Array(0) });
    off();
    store.fire({ name: 'x', payload: new Uint8Array(0) });
    assert.equal(woken, 1);
  });
  it("refuses an empty name, bad regexes, tag without service and Consul's 512-byte limit", () => {
    const store = loopback();
    const none = new Uint8Array(0);
    assert.throws(() => store.fire({ name: '', payload: none }), /User event missing name/);
    assert.throws(() => store.fire({ name: 'x', payload: none, nodeFilter: '(' }), /Invalid node filter: /);
    assert.throws(
      () => store.fire({ name: 'x', payload: none, serviceFilter: 'a', tagFilter: '[' }),
      /Invalid tag filter: /,
    );
    assert.throws(() => store.fire({ name: 'x', payload: none, tagFilter: 'a' }), /without service filter/);
    assert.throws(
      () => store.fire({ name: 'x', payload: new Uint8Array(512) }),
      /user event exceeds configured limit of 512 bytes before encoding/,
    );
    assert.equal(store.list().length, 0);
  });
});
