// Proves the gRPC RPC path on a real port: a single bootstrap-mode Server serves RPC on its Raft port, a
// GrpcRpcClient registers and reads back through it, errors keep their class across the wire, garbage and
// unknown methods are refused with typed errors, a blocking read is cancelled by the caller's abort signal,
// a dead address fails with RpcTransportError, the server's metrics land in the registry it was given, and
// a start that fails (port taken) releases the data dir; with mutual TLS a plain-text client is refused. The
// multiplexed Stream answers many concurrent calls by id, cancels a call on a cancel item, ignores items it
// cannot use, and a stream the server drops fails its calls with RpcTransportError before a new one serves.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { waitUntil, waitUntilAsync } from '../../gossip/testing/wait.js';
import { ManualClock, RealClock } from '../../lib/clock.js';
import { AbortError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { mutualTlsConfig } from '../../raft/testing/tls-fixtures.js';
import { Server } from '../server.js';
import { FakeLanPool, ServerCluster, testNodeId } from '../testing/server-cluster.js';
import { BadRequestError, NoPathToDatacenterError, RpcTransportError } from './errors.js';
import { GrpcRpcClient } from './grpc-client.js';
import { rpcService } from './grpc-service.js';
import { defaultQueryOptions } from './methods.js';
import { encodeItem, frameOf, itemsOf } from './stream-frames.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

const context = { datacenter: 'dc1', token: '' };

describe('RPC over gRPC', () => {
  const clock = new RealClock();
  let server: Server;
  let client: GrpcRpcClient;
  let address: string;
  const registry = new Registry();

  before(async () => {
    address = `127.0.0.1:${await freePort()}`;
    const config = new ServerCluster().config(1, {
      bootstrap: true,
      bootstrapExpect: 0,
      bindAddress: address,
      advertiseAddress: address,
      nodeId: testNodeId(1),
    });
    server = new Server(
      {
        clock,
        rand: new SeededRand(5),
        log: silentLogger(),
        gossip: new FakeLanPool(new ManualClock()),
        metricsRegistry: registry,
      },
      config,
    );
    await server.start();
    await waitUntil(() => server.isLeader(), 'the single server leads');
    client = new GrpcRpcClient(address, clock);
  });

  after(async () => {
    client.close();
    await server.stop();
  });

  it('registers and reads back', async () => {
    assert.equal(await client.call('Catalog.Register', { Node: 'n1', Address: '10.1.1.1' }, { context }), true);
    const reply = await client.call('Catalog.ListNodes', {}, { context, query: defaultQueryOptions });
    assert.deepEqual(
      reply.value.map((node) => node.Node),
      ['n1'],
    );
    assert.ok(reply.meta.index >= 1);
    assert.equal(reply.meta.knownLeader, true);
    assert.equal(await client.call('Status.Leader', {}, { context }), address);
  });

  it('counts calls and catalog sizes in the registry it was given', async () => {
    const text = await registry.metrics();
    assert.match(text, /consul_rpc_request_total\{method="Catalog.Register"\} [1-9]/);
    assert.match(text, /consul_catalog_nodes 1/);
    assert.match(text, /consul_raft_commitTime_seconds_count [1-9]/);
    assert.match(text, /consul_raft_state_leader_changes_total [1-9]/);
  });

  it('keeps error classes across the wire', async () => {
    await assert.rejects(
      client.call('Catalog.ListNodes', {}, { context: { ...context, datacenter: 'far' }, query: defaultQueryOptions }),
      NoPathToDatacenterError,
    );
    await assert.rejects(
      client.call('Catalog.ListNodes', {}, { context, query: { ...defaultQueryOptions, filter: '((' } }),
      BadRequestError,
    );
    await assert.rejects(client.call('Nope.Nothing' as never, {} as never, { context }), BadRequestError);
  });

  it('refuses frames that are not msgpack', async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const reply = await new Promise<unknown>((resolve, reject) =>
      raw.makeUnaryRequest(
        rpcService.call.path,
        (value: Buffer) => value,
        rpcService.call.responseDeserialize,
        Buffer.from([0xc1, 0xff, 0x00]),
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
    raw.close();
    assert.equal((reply as { ok: boolean }).ok, false);
  });

  it('stops a blocking read when the caller aborts', async () => {
    const first = await client.call('Catalog.ListNodes', {}, { context, query: defaultQueryOptions });
    const controller = new AbortController();
    const waiting = client.call(
      'Catalog.ListNodes',
      {},
      {
        context,
        query: { ...defaultQueryOptions, minQueryIndex: first.meta.index, maxQueryTimeMs: 60_000 },
        signal: controller.signal,
      },
    );
    controller.abort();
    await assert.rejects(waiting, AbortError);
  });

  it('answers many concurrent calls on one stream, each by its own id', async () => {
    const names = Array.from({ length: 300 }, (_, position) => `multi-${position}`);
    const answers = await Promise.allSettled(
      names.map((name, position) =>
        client.call(
          'Catalog.Register',
          { Node: name, Address: '10.2.2.2' },
          { context: position % 3 === 0 ? { ...context, datacenter: 'far' } : context },
        ),
      ),
    );
    answers.forEach((answer, position) => {
      if (position % 3 === 0)
        assert.ok(answer.status === 'rejected' && answer.reason instanceof NoPathToDatacenterError);
      else assert.deepEqual(answer, { status: 'fulfilled', value: true });
    });
    const listed = await client.call('Catalog.ListNodes', {}, { context, query: defaultQueryOptions });
    const registered = new Set(listed.value.map((node) => node.Node));
    assert.deepEqual(
      names.filter((name) => registered.has(name)),
      names.filter((_, position) => position % 3 !== 0),
    );
  });

  it('ends the server side of a blocking read when the caller aborts it', async () => {
    const first = await client.call('Catalog.ListNodes', {}, { context, query: defaultQueryOptions });
    const controller = new AbortController();
    const waiting = client.call(
      'Catalog.ListNodes',
      {},
      {
        context,
        query: { ...defaultQueryOptions, minQueryIndex: first.meta.index, maxQueryTimeMs: 60_000 },
        signal: controller.signal,
      },
    );
    const blockingGauge = async (): Promise<number> =>
      Number(/consul_rpc_queries_blocking (\d+)/.exec(await registry.metrics())?.[1] ?? -1);
    await waitUntilAsync(async () => (await blockingGauge()) === 1, 'the read waits on the server');
    controller.abort();
    await assert.rejects(waiting, AbortError);
    await waitUntilAsync(async () => (await blockingGauge()) === 0, 'the server stopped waiting');
  });

  it('answers a bad request on the stream with its error and ignores items without an id', async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const { path, requestSerialize, responseDeserialize } = rpcService.stream;
    const stream = raw.makeBidiStreamRequest(path, requestSerialize, responseDeserialize);
    const first = new Promise<unknown>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    stream.write(
      frameOf([
        Buffer.from([0xc1]),
        encodeItem({ id: 0, request: {} }),
        encodeItem({ id: 7, request: { method: 'Nope.Nothing', context } }),
      ]),
    );
    const items = itemsOf(await first) as { id: number; response: { ok: boolean; error?: { name: string } } }[];
    stream.cancel();
    raw.close();
    assert.equal(items.length, 1);
    assert.equal(items[0]?.id, 7);
    assert.equal(items[0]?.response.ok, false);
    assert.equal(items[0]?.response.error?.name, 'BadRequestError');
  });

  it('fails with RpcTransportError when nothing listens', async () => {
    const dead = new GrpcRpcClient(`127.0.0.1:${await freePort()}`, clock);
    await assert.rejects(dead.call('Status.Leader', {}, { context }), RpcTransportError);
    dead.close();
  });
});

describe('RPC stream across a server restart', () => {
  it('fails the calls of a dropped stream with RpcTransportError, then serves on a new stream', async () => {
    const clock = new RealClock();
    const address = `127.0.0.1:${await freePort()}`;
    const startServer = async (): Promise<Server> => {
      const config = new ServerCluster().config(1, {
        bootstrap: true,
        bootstrapExpect: 0,
        bindAddress: address,
        advertiseAddress: address,
        nodeId: testNodeId(1),
      });
      const started = new Server(
        { clock, rand: new SeededRand(13), log: silentLogger(), gossip: new FakeLanPool(new ManualClock()) },
        config,
      );
      await started.start();
      await waitUntil(() => started.isLeader(), 'the server leads');
      return started;
    };
    let server = await startServer();
    const client = new GrpcRpcClient(address, clock);
    try {
      const first = await client.call('Catalog.ListNodes', {}, { context, query: defaultQueryOptions });
      const waiting = client.call(
        'Catalog.ListNodes',
        {},
        { context, query: { ...defaultQueryOptions, minQueryIndex: first.meta.index + 100, maxQueryTimeMs: 60_000 } },
      );
      await server.stop();
      await assert.rejects(waiting, RpcTransportError);
      server = await startServer();
      await waitUntilAsync(
        async () => (await client.call('Status.Leader', {}, { context }).catch(() => '')) === address,
        'the client reaches the restarted server',
      );
    } finally {
      client.close();
      await server.stop();
    }
  });
});

describe('Server start failure', () => {
  it('releases its data dir when the RPC port is taken, so a later start succeeds', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-server-'));
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const address = `127.0.0.1:${port}`;
    const config = new ServerCluster().config(1, {
      bootstrap: true,
      bootstrapExpect: 0,
      dataDir,
      bindAddress: address,
      advertiseAddress: address,
    });
    const components = {
      clock: new RealClock(),
      rand: new SeededRand(9),
      log: silentLogger(),
      gossip: new FakeLanPool(new ManualClock()),
    };
    try {
      await assert.rejects(new Server(components, config).start());
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      const second = new Server(components, config);
      await second.start();
      await waitUntil(() => second.isLeader(), 'the restarted server leads');
      await second.stop();
    } finally {
      blocker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('RPC over mutual TLS', () => {
  it('serves a TLS client with the same config object as Raft, and refuses a plain-text one', async () => {
    const tls = await mutualTlsConfig();
    const address = `127.0.0.1:${await freePort()}`;
    const config = new ServerCluster().config(1, {
      bootstrap: true,
      bootstrapExpect: 0,
      bindAddress: address,
      advertiseAddress: address,
      tls,
    });
    const clock = new RealClock();
    const server = new Server(
      { clock, rand: new SeededRand(11), log: silentLogger(), gossip: new FakeLanPool(new ManualClock()) },
      config,
    );
    await server.start();
    const secure = new GrpcRpcClient(address, clock, tls);
    const plain = new GrpcRpcClient(address, clock);
    try {
      await waitUntil(() => server.isLeader(), 'the TLS server leads');
      assert.equal(await secure.call('Status.Leader', {}, { context }), address);
      await assert.rejects(plain.call('Status.Leader', {}, { context }), RpcTransportError);
    } finally {
      secure.close();
      plain.close();
      await server.stop();
    }
  });
});
