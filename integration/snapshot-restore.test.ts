// Proves `PUT /v1/snapshot` is atomic and keeps the snapshot's indexes on a real cluster, as Consul's raft.Restore:
// three `lattice agent -server -bootstrap-expect=3` on 127.31.0.1-3 hold 150 registered nodes and 300 keys (one a
// lock taken twice; 3 MiB of values that do not compress, so the restore spans several entries), a snapshot is saved, then data changes (new keys and nodes, changed values). While the
// snapshot is restored through a follower, every server's own state (?stale) is read in a loop: no read may see a
// node or key that both states hold missing (the old command replay deregistered everything first, so reads saw
// an empty catalog and 404s). A blocking query waiting on the changed state returns at once with the snapshot's
// index. Afterwards every server serves the snapshot's data with its CreateIndex, ModifyIndex and LockIndex, and a
// follower restarted after the restore replays to the same.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, RetryableError, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { serverAgentArgs } from './helpers/server-args.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const serverHosts = ['127.31.0.1', '127.31.0.2', '127.31.0.3'];
const clusterDeadlineMs = 60_000;
const nodeCount = 150;
const keyCount = 300;

const processes = new Map<string, LatticeProcess>();
let dir: TempDir;

function serverArgs(host: string): string[] {
  return serverAgentArgs({
    host,
    seed: serverHosts[0]!,
    dataDir: dir.file(`data-${host}`),
    namePrefix: 'restore',
  });
}

const base = (host: string): string => `http://${host}:8500`;

async function call(host: string, method: string, path: string, body?: string | Uint8Array): Promise<Response> {
  try {
    return await fetch(`${base(host)}${path}`, {
      method,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new RetryableError(`${host}${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) assert.fail(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/** Runs `task` over `items`, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

interface KvRow {
  readonly Key: string;
  readonly Value: string | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
  readonly LockIndex: number;
  readonly Session?: string;
}

const keyName = (index: number): string => `keep/${String(index).padStart(3, '0')}`;
const extNode = (index: number): string => `ext-${String(index).padStart(3, '0')}`;

/** keep/ as one server holds it: Key → row, and the X-Consul-Index of the read. */
async function keepRows(host: string): Promise<{ rows: Map<string, KvRow>; index: number }> {
  const response = await ok(await call(host, 'GET', '/v1/kv/keep/?recurse&stale'), `${host} keep/`);
  const rows = (await response.json()) as KvRow[];
  return {
    rows: new Map(rows.map((row) => [row.Key, row])),
    index: Number(response.headers.get('X-Consul-Index')),
  };
}

/** The registered test nodes one server holds (its own view), with their services' indexes. */
async function extServices(host: string): Promise<Map<string, [number, number]>> {
  const response = await ok(await call(host, 'GET', '/v1/catalog/service/web?stale'), `${host} web`);
  const rows = (await response.json()) as { Node: string; CreateIndex: number; ModifyIndex: number }[];
  return new Map(rows.map((row) => [row.Node, [row.CreateIndex, row.ModifyIndex]]));
}

describe('snapshot restore on a three-server cluster', () => {
  before(async () => {
    dir = await makeTempDir();
    for (const host of serverHosts) processes.set(host, startLattice(serverArgs(host)));
    for (const [host, process] of processes) await waitForHttp(`${base(host)}/v1/agent/self`, { process });
  });

  after(async () => {
    for (const process of processes.values()) if (!process.hasExited) process.kill();
    await dir?.remove();
  });

  it('swaps every server’s state at once, keeps the snapshot’s indexes, and a restarted follower agrees', async (t) => {
    const leader = await waitFor(
      async () => {
        const answers = await Promise.all(
          serverHosts.map(async (host) => (await (await call(host, 'GET', '/v1/status/leader')).json()) as string),
        );
        const [address] = new Set(answers);
        if (new Set(answers).size !== 1 || !address) return null;
        const host = address.split(':')[0] as string;
        return (await call(host, 'PUT', '/v1/kv/ready', 'x')).ok ? host : null;
      },
      { deadlineMs: clusterDeadlineMs, what: 'one leader agreed by every server, taking writes' },
    );
    const follower = serverHosts.find((host) => host !== leader) as string;

    // The state to save: nodes with a service each, keys, and a lock taken twice (LockIndex 2).
    await inParallel(
      Array.from({ length: nodeCount }, (_, index) => index),
      16,
      async (index) => {
        const body = JSON.stringify({
          Node: extNode(index),
          Address: `10.1.${Math.floor(index / 250)}.${index % 250}`,
          Service: { ID: 'web', Service: 'web', Port: 8080 },
        });
        await ok(await call(leader, 'PUT', '/v1/catalog/register', body), `register ${index}`);
      },
    );
    await inParallel(
      Array.from({ length: keyCount }, (_, index) => index),
      16,
      async (index) => void (await ok(await call(leader, 'PUT', `/v1/kv/${keyName(index)}`, `v${index}`), 'put')),
    );
    const session = (
      (await (await ok(await call(leader, 'PUT', '/v1/session/create', '{}'), 'session')).json()) as {
        ID: string;
      }
    ).ID;
    // Values that do not compress, so the snapshot spans several restore entries and the restore takes a while.
    await inParallel(
      Array.from({ length: 16 }, (_, index) => index),
      4,
      async (index) =>
        void (await ok(await call(leader, 'PUT', `/v1/kv/blob/${index}`, randomBytes(200 * 1024)), 'blob')),
    );
    for (const op of ['acquire', 'release', 'acquire'])
      await ok(await call(leader, 'PUT', `/v1/kv/keep/lock?${op}=${session}`, 'held'), op);

    const saved = await keepRows(leader);
    assert.equal(saved.rows.get('keep/lock')?.LockIndex, 2);
    const savedServices = await extServices(leader);
    assert.equal(savedServices.size, nodeCount);
    const snapshot = new Uint8Array(
      await (await ok(await call(leader, 'GET', '/v1/snapshot'), 'snapshot save')).arrayBuffer(),
    );

    // The state to replace: changed values, new keys and nodes (all later, higher indexes).
    for (let index = 0; index < 10; index++)
      await ok(await call(leader, 'PUT', `/v1/kv/${keyName(index)}`, `changed${index}`), 'change');
    await inParallel(
      Array.from({ length: 40 }, (_, index) => index),
      16,
      async (index) => void (await ok(await call(leader, 'PUT', `/v1/kv/keep/new/${index}`, 'new'), 'new key')),
    );
    await inParallel(
      Array.from({ length: 20 }, (_, index) => nodeCount + index),
      16,
      async (index) => {
        const body = JSON.stringify({ Node: extNode(index), Address: '10.9.0.1', Service: { Service: 'web' } });
        await ok(await call(leader, 'PUT', '/v1/catalog/register', body), 'register new');
      },
    );
    await waitFor(async () => (await keepRows(follower)).rows.has('keep/new/39'), { what: 'the follower caught up' });
    const changedIndex = (await keepRows(follower)).index;
    assert.ok(changedIndex > saved.index);

    // A blocking query on the changed state, waiting for anything past it.
    const blocking = call(follower, 'GET', `/v1/kv/keep/?recurse&stale&index=${changedIndex}&wait=5m`);

    // Readers on every server, in a loop, until the restore is done everywhere.
    const problems: string[] = [];
    let restore: 'before' | 'running' | 'done' = 'before';
    let readsDuringRestore = 0;
    let restoring = true;
    const reader = async (host: string): Promise<void> => {
      while (restoring) {
        const startedDuring = restore === 'running';
        let kv: Awaited<ReturnType<typeof keepRows>>;
        let services: Map<string, [number, number]>;
        try {
          [kv, services] = await Promise.all([keepRows(host), extServices(host)]);
        } catch (error) {
          // A 404 for keep/ means every key was gone at that moment.
          problems.push(`${host}: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        if (startedDuring && restore === 'running') readsDuringRestore++;
        for (let index = 0; index < keyCount; index++)
          if (!kv.rows.has(keyName(index))) problems.push(`${host}: ${keyName(index)} missing (${kv.rows.size} keys)`);
        for (let index = 0; index < nodeCount; index++)
          if (!services.has(extNode(index)))
            problems.push(`${host}: ${extNode(index)} missing (${services.size} instances)`);
      }
    };
    const readers = serverHosts.map(reader);
    restore = 'running';
    const restoreStartedMs = performance.now();
    const restored = await call(follower, 'PUT', '/v1/snapshot', snapshot);
    restore = 'done';
    t.diagnostic(
      `restore of ${snapshot.byteLength} bytes took ${Math.round(performance.now() - restoreStartedMs)} ms; ` +
        `${readsDuringRestore} reads ran wholly inside it`,
    );
    assert.equal(restored.status, 200, await restored.clone().text());
    await waitFor(
      async () => {
        for (const host of serverHosts) if ((await keepRows(host)).rows.has('keep/new/0')) return false;
        return true;
      },
      { what: 'every server serving the snapshot' },
    );
    restoring = false;
    await Promise.all(readers);
    assert.ok(readsDuringRestore > 0, 'reads ran from start to end while the restore was in progress');
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} reads saw a half-restored state`);

    // The blocking query returned at once, with the snapshot's index for keep/.
    const woken = await blocking;
    assert.equal(woken.status, 200);
    assert.equal(Number(woken.headers.get('X-Consul-Index')), saved.index);

    const expectSnapshotState = async (host: string): Promise<void> => {
      const kv = await keepRows(host);
      assert.equal(kv.index, saved.index, `${host}: keep/ index as saved`);
      assert.deepEqual([...kv.rows.keys()].sort(), [...saved.rows.keys()].sort(), `${host}: the snapshot's keys`);
      for (const [key, row] of saved.rows) {
        const now = kv.rows.get(key) as KvRow;
        assert.deepEqual(
          [now.Value, now.CreateIndex, now.ModifyIndex, now.LockIndex, now.Session ?? ''],
          [row.Value, row.CreateIndex, row.ModifyIndex, row.LockIndex, row.Session ?? ''],
          `${host}: ${key} as saved`,
        );
      }
      assert.deepEqual(await extServices(host), savedServices, `${host}: the snapshot's services and indexes`);
    };
    for (const host of serverHosts) await expectSnapshotState(host);

    // A follower restarted after the restore replays its log (the restore's entries among it) to the same state.
    const restarted = processes.get(follower) as LatticeProcess;
    await restarted.stop('SIGINT', 30_000);
    const again = startLattice(serverArgs(follower));
    processes.set(follower, again);
    await waitForHttp(`${base(follower)}/v1/agent/self`, { process: again });
    await waitFor(
      async () => {
        const kv = await keepRows(follower).catch(() => null);
        return kv !== null && kv.index === saved.index && !kv.rows.has('keep/new/0');
      },
      { deadlineMs: clusterDeadlineMs, what: 'the restarted follower serving the snapshot' },
    );
    await expectSnapshotState(follower);
  });
});
