// Proves client-side server selection: servers come from role=consul members of the agent's datacenter, new
// servers are inserted without disturbing the order, a transport failure moves a server to the back and a read
// is retried once on the next one (a write is not), errors from a server that answered are not retried, no
// servers gives Consul's "No known Consul servers", and pending calls are bounded. The rebalance delay grows
// with the pool.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { clientTags, serverTags } from '../bootstrap.js';
import { FakeLanPool } from '../testing/server-cluster.js';
import { NoServersError, RpcOverloadedError, RpcTransportError, WriteRefusedError } from './errors.js';
import type { CallOptions, RpcClient } from './methods.js';
import { defaultQueryOptions } from './methods.js';
import { rebalanceDelayMs, rebalanceIntervalMsMin, ServerList, ServerManager } from './server-manager.js';

const context = { datacenter: 'dc1', token: '' };
const tagsOf = (dc: string) =>
  serverTags({ datacenter: dc, nodeId: 'x', serverPort: 8300, bootstrapExpect: 3, bootstrap: false, build: 'x' });

function setup(behaviour: (address: string) => 'ok' | 'down' | 'refuse' | 'hang') {
  const clock = new ManualClock();
  const pool = new FakeLanPool(clock);
  for (const n of [2, 3, 4]) pool.join(`s${n}`, `10.0.0.${n}:8301`, tagsOf('dc1'));
  pool.join('far', '10.9.0.1:8301', tagsOf('dc2'));
  pool.join('client', '10.0.0.9:8301', clientTags({ datacenter: 'dc1', nodeId: 'y', build: 'x' }));
  const calls: string[] = [];
  const dial = (address: string): RpcClient => ({
    call: async (_method, _args, _options: CallOptions) => {
      calls.push(address);
      const mode = behaviour(address);
      if (mode === 'down') throw new RpcTransportError(address, 'connection refused');
      if (mode === 'refuse') throw new WriteRefusedError('ERR_MISSING_NODE', 'Missing node registration');
      if (mode === 'hang') return new Promise(() => undefined);
      return address as never;
    },
  });
  const manager = new ServerManager(
    { clock, rand: new SeededRand(3), log: silentLogger(), gossip: pool, dial },
    { datacenter: 'dc1', pendingCallsMax: 2 },
  );
  return { clock, pool, manager, calls };
}

describe('ServerManager', () => {
  it('knows only the servers of its datacenter', async () => {
    const { manager } = setup(() => 'ok');
    await manager.start();
    assert.deepEqual(
      manager
        .knownServers()
        .map((server) => server.rpcAddress)
        .sort(),
      ['10.0.0.2:8300', '10.0.0.3:8300', '10.0.0.4:8300'],
    );
    await manager.stop();
  });

  it('fails a read over to the next server once, and moves the failed one to the back', async () => {
    let first: string | null = null;
    const { manager, calls } = setup((address) => {
      first ??= address;
      return address === first ? 'down' : 'ok';
    });
    await manager.start();
    const answer = await manager.call('Catalog.ListNodes', {}, { context, query: defaultQueryOptions });
    assert.equal(calls.length, 2);
    assert.notEqual(answer, calls[0]);
    assert.equal(manager.knownServers().at(-1)?.rpcAddress, calls[0]);
    await manager.stop();
  });

  it('does not retry a write after a transport failure, nor any call a server answered with an error', async () => {
    const down = setup(() => 'down');
    await down.manager.start();
    await assert.rejects(down.manager.call('Catalog.Register', { Node: 'n' }, { context }), RpcTransportError);
    assert.equal(down.calls.length, 1);
    const refused = setup(() => 'refuse');
    await refused.manager.start();
    await assert.rejects(
      refused.manager.call('Catalog.ListNodes', {}, { context, query: defaultQueryOptions }),
      WriteRefusedError,
    );
    assert.equal(refused.calls.length, 1);
    await down.manager.stop();
    await refused.manager.stop();
  });

  it('says "No known Consul servers" when the pool has none', async () => {
    const { manager, pool } = setup(() => 'ok');
    await manager.start();
    for (const n of [2, 3, 4]) pool.setStatus(`s${n}`, 'failed');
    await assert.rejects(manager.call('Status.Leader', {}, { context }), (error: unknown) => {
      return error instanceof NoServersError && error.message === 'No known Consul servers';
    });
    await manager.stop();
  });

  it('refuses calls past the pending bound', async () => {
    const { manager } = setup(() => 'hang');
    await manager.start();
    void manager.call('Status.Leader', {}, { context });
    void manager.call('Status.Leader', {}, { context });
    await assert.rejects(manager.call('Status.Leader', {}, { context }), RpcOverloadedError);
    await manager.stop();
  });
});

describe('ServerList', () => {
  const member = (n: number) => ({
    name: `s${n}`,
    id: `${n}`,
    datacenter: 'dc1',
    rpcAddress: `10.0.0.${n}:8300`,
    expect: 3,
    bootstrap: false,
    status: 'alive' as const,
  });

  it('keeps the order of known servers when the pool changes', () => {
    const list = new ServerList();
    const rand = new SeededRand(1);
    list.update([member(1), member(2), member(3)], rand);
    const before = list.list().map((server) => server.id);
    list.update([member(1), member(2), member(3), member(4)], rand);
    const after = list
      .list()
      .map((server) => server.id)
      .filter((id) => id !== '4');
    assert.deepEqual(after, before);
    list.update([member(2), member(4)], rand);
    assert.deepEqual(
      list
        .list()
        .map((server) => server.id)
        .sort(),
      ['2', '4'],
    );
  });
});

describe('rebalanceDelayMs', () => {
  it('waits at least two minutes, longer for a big pool', () => {
    const rand = { intBelow: () => 0, float: () => 0 };
    assert.equal(rebalanceDelayMs(3, 10, rand), rebalanceIntervalMsMin);
    assert.ok(rebalanceDelayMs(3, 100_000, rand) > rebalanceIntervalMsMin);
  });
});
