// /v1/event/fire and /v1/event/list through fastify inject over an EventStore that loops fired events back as if
// gossip delivered them: the event JSON, filters, the 512-byte limit, ?name, X-Consul-Index and blocking wake-up.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { RealClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { EventStore, uuidToUint64 } from '../../events/events.js';
import { installBodyParsers } from '../decode-body.js';
import { installErrorHandler } from '../errors.js';
import { eventRoutes } from './event.js';

async function setup(services: { id: string; tags: string[] }[] = []) {
  let ltime = 0;
  const store: EventStore = new EventStore({ nodeName: 'n1', services: () => services }, (name, payload) => {
    ltime++;
    store.receive(name, payload, ltime);
    return ltime;
  });
  const app = Fastify();
  installErrorHandler(app, silentLogger());
  installBodyParsers(app);
  const config = {
    datacenter: 'dc1',
    nodeName: 'n1',
    defaultQueryTimeMs: 300_000,
    maxQueryTimeMs: 600_000,
    discoveryMaxStaleMs: 0,
  };
  await app.register(eventRoutes({ events: store, clock: new RealClock(), config }), { prefix: '/v1/event' });
  return { app, store };
}

describe('/v1/event', () => {
  it('fires an event and lists it with Consul index from its UUID', async () => {
    const { app } = await setup();
    const fired = await app.inject({ method: 'PUT', url: '/v1/event/fire/deploy?node=n', payload: 'v2' });
    assert.equal(fired.statusCode, 200);
    const event = fired.json();
    assert.match(event.ID, /^[0-9a-f-]{36}$/);
    assert.equal(event.Name, 'deploy');
    assert.equal(event.Payload, Buffer.from('v2').toString('base64'));
    assert.equal(event.NodeFilter, 'n');
    assert.equal(event.Version, 1);
    assert.equal(event.LTime, 1);
    const listed = await app.inject({ method: 'GET', url: '/v1/event/list' });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), [event]);
    assert.equal(listed.headers['x-consul-index'], uuidToUint64(event.ID).toString());
  });

  it("refuses an event for another datacenter with Consul's 500 'No path to datacenter' and fires nothing", async () => {
    const { app, store } = await setup();
    const other = await app.inject({ method: 'PUT', url: '/v1/event/fire/deploy?dc=dc9' });
    assert.equal(other.statusCode, 500);
    assert.match(other.body, /No path to datacenter/);
    assert.deepEqual(store.list(''), []);
    const local = await app.inject({ method: 'PUT', url: '/v1/event/fire/deploy?dc=dc1' });
    assert.equal(local.statusCode, 200);
  });

  it('filters the list by name and answers index 1 for an empty list', async () => {
    const { app } = await setup();
    await app.inject({ method: 'PUT', url: '/v1/event/fire/a' });
    const none = await app.inject({ method: 'GET', url: '/v1/event/list?name=b' });
    assert.deepEqual(none.json(), []);
    assert.equal(none.headers['x-consul-index'], '1');
    const a = await app.inject({ method: 'GET', url: '/v1/event/list?name=a' });
    assert.equal(a.json()[0].Payload, null);
  });

  it('does not store an event whose node filter does not match this agent', async () => {
    const { app } = await setup();
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/event/fire/x?node=^other$' })).statusCode, 200);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/event/list' })).json(), []);
  });

  it('keeps an event only when this agent has a service (by ID) with a tag matching the filters', async () => {
    const { app } = await setup([{ id: 'api-1', tags: ['v2', 'canary'] }]);
    const fire = async (query: string) =>
      (await app.inject({ method: 'PUT', url: `/v1/event/fire/e?${query}` })).json().ID as string;
    const kept = [
      await fire('service=^api'),
      await fire('service=api&tag=^canary$'),
      await fire('node=^n1$&service=api-1'),
    ];
    await fire('service=^db');
    await fire('service=api&tag=^v1$');
    await fire('node=^n2$&service=api');
    const listed = (await app.inject({ method: 'GET', url: '/v1/event/list' })).json() as { ID: string }[];
    assert.deepEqual(
      listed.map((e) => e.ID),
      kept,
    );
  });

  it("refuses an empty name with Consul's 400 'Missing name' and fires nothing", async () => {
    const { app, store } = await setup();
    const missing = await app.inject({ method: 'PUT', url: '/v1/event/fire/', payload: 'x' });
    assert.deepEqual([missing.statusCode, missing.body], [400, 'Missing name']);
    assert.deepEqual(store.list(''), []);
  });

  it("refuses a bad filter regex with Consul's wording", async () => {
    const { app } = await setup();
    const bad = await app.inject({ method: 'PUT', url: '/v1/event/fire/x?service=(' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /^Invalid service filter: /);
  });

  it('blocks at index 1 on an empty list until an event of that name arrives', async () => {
    const { app, store } = await setup();
    let answered = false;
    const pending = app.inject({ method: 'GET', url: '/v1/event/list?name=b&index=1&wait=5m' }).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    store.fire({ name: 'a', payload: new Uint8Array(0) });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false);
    const b = store.fire({ name: 'b', payload: new Uint8Array(0) });
    const woken = await pending;
    assert.deepEqual(
      woken.json().map((e: { Name: string }) => e.Name),
      ['b'],
    );
    assert.equal(woken.headers['x-consul-index'], uuidToUint64(b.id).toString());
  });

  it("refuses a too large event with Consul's text, and a tag without a service", async () => {
    const { app } = await setup();
    const large = await app.inject({ method: 'PUT', url: '/v1/event/fire/x', payload: Buffer.alloc(600) });
    assert.equal(large.statusCode, 500);
    assert.match(large.body, /user event exceeds configured limit of 512 bytes/);
    const tag = await app.inject({ method: 'PUT', url: '/v1/event/fire/x?tag=a' });
    assert.equal(tag.statusCode, 400);
    const index = await app.inject({ method: 'GET', url: '/v1/event/list?index=abc' });
    assert.equal(index.statusCode, 400);
  });

  it('blocks on ?index until a new event arrives', async () => {
    const { app, store } = await setup();
    await app.inject({ method: 'PUT', url: '/v1/event/fire/first' });
    const first = await app.inject({ method: 'GET', url: '/v1/event/list' });
    const index = first.headers['x-consul-index'];
    let answered = false;
    const pending = app.inject({ method: 'GET', url: `/v1/event/list?index=${index}&wait=5m` }).then((r) => {
      answered = true;
      return r;
    });
    // Let the request reach its wait: it is parked until the store has a listener.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false);
    store.fire({ name: 'second', payload: new Uint8Array(0) });
    const woken = await pending;
    assert.deepEqual(
      woken.json().map((e: { Name: string }) => e.Name),
      ['first', 'second'],
    );
    assert.notEqual(woken.headers['x-consul-index'], index);
  });
});
