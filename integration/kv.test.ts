// Proves the KV store and sessions through the real binary: `lattice agent -dev` on 127.0.0.60, the CLI for
// put/get/export/import, and HTTP for the rest. 32 concurrent read-modify-write clients using `?cas` lose no
// update (the final value equals the number of successful writes); a session with behavior=delete deletes
// its keys when destroyed; a session that is not renewed expires by TTL (the server waits 2×TTL) and releases
// its lock; and a blocking list of a prefix wakes on a delete under it with a higher index.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor } from './helpers/lattice-process.js';
import { makeTempDir } from './helpers/temp-dir.js';

const address = '127.0.0.60';
const base = `http://${address}:8500`;
const cliEnv = { CONSUL_HTTP_ADDR: `${address}:8500` };
let agent: LatticeProcess | null = null;

async function http(method: string, path: string, body?: string): Promise<Response> {
  return fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body }) });
}

async function createSession(body: Record<string, unknown>): Promise<string> {
  const response = await http('PUT', '/v1/session/create', JSON.stringify(body));
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { ID: string }).ID;
}

async function getKey(key: string): Promise<{ Value: string | null; ModifyIndex: number; Session?: string } | null> {
  const response = await http('GET', `/v1/kv/${key}`);
  if (response.status === 404) return null;
  const [entry] = (await response.json()) as { Value: string | null; ModifyIndex: number; Session?: string }[];
  return entry ?? null;
}

describe('KV and sessions through a -dev agent', () => {
  before(async () => {
    agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`]);
    // Ready once a session can be created: a leader, and this node registered with its serfHealth check.
    await waitFor(
      async () => {
        if (agent?.hasExited) throw new Error(`lattice exited\n${agent.output}`);
        const response = await http('PUT', '/v1/session/create', '{}').catch(() => null);
        return response?.ok ?? false;
      },
      { what: 'a -dev agent that can create sessions', deadlineMs: 30_000 },
    );
  });

  after(async () => {
    if (agent && !agent.hasExited) await agent.stop().catch(() => agent?.kill());
  });

  it('puts, gets, exports and imports with the CLI', async () => {
    const put = await runLattice(['kv', 'put', 'cli/a', 'hello'], { env: cliEnv });
    assert.equal(put.stdout, 'Success! Data written to: cli/a\n', put.stderr);
    await runLattice(['kv', 'put', '-flags=5', 'cli/b/c', 'nested'], { env: cliEnv });
    const get = await runLattice(['kv', 'get', 'cli/a'], { env: cliEnv });
    assert.equal(get.stdout, 'hello\n');
    const keys = await runLattice(['kv', 'get', '-keys', 'cli/'], { env: cliEnv });
    assert.equal(keys.stdout, 'cli/a\ncli/b/\n');
    const missing = await runLattice(['kv', 'get', 'cli/nope'], { env: cliEnv });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No key exists at: cli\/nope/);
    const exported = await runLattice(['kv', 'export', 'cli/'], { env: cliEnv });
    assert.deepEqual(JSON.parse(exported.stdout), [
      { key: 'cli/a', flags: 0, value: Buffer.from('hello').toString('base64') },
      { key: 'cli/b/c', flags: 5, value: Buffer.from('nested').toString('base64') },
    ]);
    const dir = await makeTempDir();
    const file = join(dir.path, 'export.json');
    await writeFile(file, exported.stdout);
    const imported = await runLattice(['kv', 'import', '-prefix=copy/', `@${file}`], { env: cliEnv });
    await dir.remove();
    assert.equal(imported.code, 0, imported.stderr);
    const copied = await runLattice(['kv', 'get', '-recurse', 'copy/'], { env: cliEnv });
    assert.equal(copied.stdout, 'copy/cli/a:hello\ncopy/cli/b/c:nested\n');
    const deleted = await runLattice(['kv', 'delete', '-recurse', 'copy/'], { env: cliEnv });
    assert.equal(deleted.stdout, 'Success! Deleted keys with prefix: copy/\n');
    // As Consul's kv commands: one leading "/" is stripped, so these name cli/slash.
    const slashPut = await runLattice(['kv', 'put', '/cli/slash', 'x'], { env: cliEnv });
    assert.equal(slashPut.stdout, 'Success! Data written to: cli/slash\n', slashPut.stderr);
    assert.equal((await runLattice(['kv', 'get', '/cli/slash'], { env: cliEnv })).stdout, 'x\n');
    const slashDelete = await runLattice(['kv', 'delete', '/cli/slash'], { env: cliEnv });
    assert.equal(slashDelete.stdout, 'Success! Deleted key: cli/slash\n', slashDelete.stderr);
  });

  it('loses no update when 32 clients race read-modify-write increments with ?cas', async () => {
    const key = 'race/counter';
    assert.equal((await http('PUT', `/v1/kv/${key}`, '0')).status, 200);
    const clients = 32;
    const attemptsPerClient = 10;
    let successes = 0;
    const client = async (): Promise<void> => {
      for (let attempt = 0; attempt < attemptsPerClient; attempt++) {
        const entry = await getKey(key);
        assert.ok(entry !== null);
        const value = Number(Buffer.from(entry.Value ?? '', 'base64').toString('utf8'));
        const response = await http('PUT', `/v1/kv/${key}?cas=${entry.ModifyIndex}`, String(value + 1));
        if ((await response.text()) === 'true') successes++;
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    const final = await getKey(key);
    const value = Number(Buffer.from(final?.Value ?? '', 'base64').toString('utf8'));
    assert.ok(successes > 0, 'some writes succeeded');
    assert.equal(value, successes, `final value ${value} after ${successes} acknowledged increments`);
  });

  it('deletes the keys of a behavior=delete session when it is destroyed', async () => {
    const session = await createSession({ Behavior: 'delete', LockDelay: '0s' });
    for (const key of ['owned/1', 'owned/2'])
      assert.equal(await (await http('PUT', `/v1/kv/${key}?acquire=${session}`, 'x')).text(), 'true');
    await http('PUT', '/v1/kv/owned/3', 'plain');
    assert.equal(await (await http('PUT', `/v1/session/destroy/${session}`)).text(), 'true');
    const left = (await (await http('GET', '/v1/kv/owned/?keys')).json()) as string[];
    assert.deepEqual(left, ['owned/3']);
  });

  it('releases the lock of a session that expires by TTL', async () => {
    const session = await createSession({ TTL: '10s', LockDelay: '0s', Name: 'expiring' });
    assert.equal(await (await http('PUT', `/v1/kv/ttl/lock?acquire=${session}`, 'held')).text(), 'true');
    assert.equal((await getKey('ttl/lock'))?.Session, session);
    // Never renewed: the leader invalidates it after 2 × TTL; the deadline leaves room for a slow machine.
    await waitFor(async () => (await getKey('ttl/lock'))?.Session === undefined, {
      what: 'the TTL session to expire and release its lock',
      deadlineMs: 45_000,
      intervalMs: 250,
    });
    const info = (await (await http('GET', `/v1/session/info/${session}`)).json()) as unknown[];
    assert.deepEqual(info, []);
    assert.equal(
      Buffer.from((await getKey('ttl/lock'))?.Value ?? '', 'base64').toString(),
      'held',
      'released, not deleted',
    );
  });

  it('wakes a blocking prefix read on a delete under the prefix, with a higher index', async () => {
    await http('PUT', '/v1/kv/watch/a', '1');
    await http('PUT', '/v1/kv/watch/b', '2');
    const first = await http('GET', '/v1/kv/watch/?recurse');
    const index = Number(first.headers.get('x-consul-index'));
    const waiting = http('GET', `/v1/kv/watch/?recurse&index=${index}&wait=30s`);
    await http('DELETE', '/v1/kv/watch/b');
    const woken = await waiting;
    assert.ok(Number(woken.headers.get('x-consul-index')) > index);
    const keys = ((await woken.json()) as { Key: string }[]).map((entry) => entry.Key);
    assert.deepEqual(keys, ['watch/a']);
  });
});
