// Proves Consul's manual outage recovery: peers.json is parsed and checked as hashicorp/raft's ReadConfigJSON
// does; on a first start the peers.info sentinel is written and a stale peers.json is deleted unread; and a lone
// survivor of a three-server cluster restarted with a peers.json naming only itself leads again, with every write
// (from its snapshot and its log tail) applied, the file deleted, and new writes committed.

import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ValidationError } from '../lib/errors.js';
import { silentLogger } from '../lib/log.js';
import { parsePeersJson, peersInfoFileName, peersJsonFileName, recoverFromPeersJson } from './peers-json.js';
import { MemoryLogStore } from './storage/memory-log-store.js';
import { MemorySnapshotStore } from './storage/memory-snapshot-store.js';
import { MemoryStableStore } from './storage/memory-stable-store.js';
import { encodeKvCommand, KvFsm } from './testing/kv-fsm.js';
import { MemoryCluster } from './testing/memory-cluster.js';
import { makeTempDir } from './testing/temp-dir.js';

const isMissing = (path: string): Promise<boolean> =>
  access(path).then(
    () => false,
    () => true,
  );

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('parsePeersJson', () => {
  it('reads voters, non-voters and addresses', () => {
    const configuration = parsePeersJson(
      JSON.stringify([
        { id: 'a', address: '10.0.0.1:8300', non_voter: false },
        { id: 'b', address: '10.0.0.2:8300' },
        { id: 'c', address: '10.0.0.3:8300', non_voter: true },
      ]),
    );
    assert.deepEqual(configuration, {
      conf: { voters: ['a', 'b'], learners: ['c'] },
      addresses: { a: '10.0.0.1:8300', b: '10.0.0.2:8300', c: '10.0.0.3:8300' },
    });
  });

  const refusals: [string, string, RegExp][] = [
    ['bad JSON', '[{"id": "a",', /not valid JSON/],
    ['an object instead of an array', '{"id": "a"}', /must be a JSON array/],
    [
      'a server without id or address',
      '[{"address": "x:1"}, {"id": "b"}]',
      /server 0 has no "id".*server 1 has no "address"/,
    ],
    ['a repeated id', '[{"id": "a", "address": "x:1"}, {"id": "a", "address": "x:2"}]', /duplicate ID.*a/],
    ['a repeated address', '[{"id": "a", "address": "x:1"}, {"id": "b", "address": "x:1"}]', /duplicate address/],
    ['no voter', '[{"id": "a", "address": "x:1", "non_voter": true}]', /at least one voter/],
    ['a non-boolean non_voter', '[{"id": "a", "address": "x:1", "non_voter": "yes"}]', /non_voter/],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what} with a clear error`, () => {
      assert.throws(
        () => parsePeersJson(text),
        (error: unknown) => error instanceof ValidationError && message.test(error.message),
      );
    });
  }
});

describe('recoverFromPeersJson', () => {
  it('writes peers.info on the first start and deletes a peers.json found then, unread', async () => {
    const dir = await makeTempDir();
    cleanups.push(dir.remove);
    await writeFile(join(dir.path, peersJsonFileName), 'not even json');
    const stores = {
      logStore: new MemoryLogStore(),
      stableStore: new MemoryStableStore(),
      snapshotStore: new MemorySnapshotStore(),
    };
    assert.equal(await recoverFromPeersJson(dir.path, stores, new KvFsm(), silentLogger()), null);
    assert.match(await readFile(join(dir.path, peersInfoFileName), 'utf8'), /peers\.json/);
    assert.ok(await isMissing(join(dir.path, peersJsonFileName)));
    // From now on a peers.json is read; one that does not parse stops the start and stays for the operator.
    await writeFile(join(dir.path, peersJsonFileName), 'not even json');
    await assert.rejects(recoverFromPeersJson(dir.path, stores, new KvFsm(), silentLogger()), ValidationError);
    assert.equal(await isMissing(join(dir.path, peersJsonFileName)), false);
  });

  it('refuses to recover stores that hold no state', async () => {
    const dir = await makeTempDir();
    cleanups.push(dir.remove);
    await writeFile(join(dir.path, peersInfoFileName), 'sentinel');
    await writeFile(join(dir.path, peersJsonFileName), JSON.stringify([{ id: 'a', address: 'x:1' }]));
    const stores = {
      logStore: new MemoryLogStore(),
      stableStore: new MemoryStableStore(),
      snapshotStore: new MemorySnapshotStore(),
    };
    await assert.rejects(recoverFromPeersJson(dir.path, stores, new KvFsm(), silentLogger()), /no initial state/);
  });

  it('lets the lone survivor of a three-server cluster lead again with every write', async () => {
    const dir = await makeTempDir();
    cleanups.push(dir.remove);
    // Every member checks the same directory on start; only n1 will find a peers.json there later.
    const cluster = new MemoryCluster(['n1', 'n2', 'n3'], { raftDir: dir.path });
    cleanups.push(() => cluster.stopAll());
    await cluster.start();
    const leader = await cluster.electLeader();
    const put = (key: string) => leader.node.propose(encodeKvCommand({ op: 'put', key, value: `v-${key}` }));
    for (const key of ['a', 'b', 'c']) await cluster.runPromise(put(key), `put ${key}`);
    const survivor = cluster.member('n1');
    await cluster.runUntil(() => survivor.fsm.get('c') !== undefined, 'n1 applied c');
    assert.equal(await survivor.node.snapshotNow(), true);
    for (const key of ['d', 'e']) await cluster.runPromise(put(key), `put ${key}`);
    await cluster.runUntil(() => survivor.fsm.get('e') !== undefined, 'n1 applied e');

    // n2 and n3 are lost for good: the operator writes a peers.json naming n1 alone and restarts it.
    await cluster.stopAll();
    await writeFile(
      join(dir.path, peersJsonFileName),
      JSON.stringify([{ id: 'n1', address: 'memory://n1', non_voter: false }]),
    );
    await cluster.restart('n1');
    const recovered = cluster.member('n1');
    await cluster.runUntil(() => recovered.node.isLeader(), 'n1 leads alone');
    assert.deepEqual(recovered.node.configuration().voters, ['n1']);
    assert.ok(await isMissing(join(dir.path, peersJsonFileName)));
    for (const key of ['a', 'b', 'c', 'd', 'e']) assert.equal(recovered.fsm.get(key), `v-${key}`);
    const after = recovered.node.propose(encodeKvCommand({ op: 'put', key: 'f', value: 'v-f' }));
    await cluster.runPromise(after, 'put f after recovery');
    assert.equal(recovered.fsm.get('f'), 'v-f');
  });
});
