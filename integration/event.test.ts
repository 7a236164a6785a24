// Proves user events end to end on a dev agent (127.0.0.95): `lattice event` fires through PUT /v1/event/fire,
// the event goes out and comes back over gossip, and GET /v1/event/list shows it with the same ID and payload and
// Consul's X-Consul-Index; a blocking list wakes on the next event. Every wait has a deadline; nothing sleeps.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';

const base = 'http://127.0.0.95:8500';
let agent: LatticeProcess;

before(async () => {
  agent = startLattice(['agent', '-dev', '-bind=127.0.0.95', '-client=127.0.0.95']);
  await waitForHttp(`${base}/v1/agent/self`, { process: agent });
});
after(() => agent.stop());

interface EventJson {
  ID: string;
  Name: string;
  Payload: string | null;
  Version: number;
}

describe('lattice event on a dev agent', () => {
  it('fires an event with the CLI and lists it over HTTP', async () => {
    const fired = await runLattice(['event', '-http-addr=127.0.0.95:8500', '-name=deploy', 'v42']);
    assert.equal(fired.code, 0, fired.stderr);
    const id = /^Event ID: ([0-9a-f-]{36})$/m.exec(fired.stdout)?.[1];
    assert.ok(id, fired.stdout);

    const listed = await waitFor(async () => {
      const response = await fetch(`${base}/v1/event/list?name=deploy`);
      const events = (await response.json()) as EventJson[];
      return events.some((event) => event.ID === id) ? { response, events } : null;
    });
    const event = listed.events.find((e) => e.ID === id)!;
    assert.equal(event.Name, 'deploy');
    assert.equal(Buffer.from(event.Payload ?? '', 'base64').toString(), 'v42');
    assert.equal(event.Version, 1);
    const hex = id.replace(/-/g, '');
    const expected = BigInt(`0x${hex.slice(0, 16)}`) ^ BigInt(`0x${hex.slice(16)}`);
    assert.equal(listed.response.headers.get('x-consul-index'), expected.toString());

    // A blocking list at that index wakes with the next event.
    const blocked = fetch(`${base}/v1/event/list?name=deploy&index=${expected}&wait=30s`);
    const second = await runLattice(['event', '-http-addr=127.0.0.95:8500', '-name=deploy']);
    assert.equal(second.code, 0, second.stderr);
    const woken = (await (await blocked).json()) as EventJson[];
    assert.ok(woken.length >= 2);
    assert.equal(woken.at(-1)?.Payload, null);
  });

  it('refuses an event without a name', async () => {
    const result = await runLattice(['event', '-http-addr=127.0.0.95:8500']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Event name must be specified/);
  });
});
