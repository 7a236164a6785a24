// Proves `lattice lock` against a -dev agent on 127.0.0.60: five processes contending for one key take turns,
// exactly one inside at any time (a shared log of enter/leave lines, written by the children, must alternate
// with matching owners); `-n 2` lets at most two in at once; `-timeout` gives up cleanly; and when the holder is SIGKILLed, its session
// (TTL 10s here, renewal stopped) expires after 2×TTL, the lock is released with its lock delay, and a waiting
// contender gets in.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const address = '127.0.0.60';
const base = `http://${address}:8500`;
const env = { CONSUL_HTTP_ADDR: `${address}:8500` };
let agent: LatticeProcess | null = null;
let dir: TempDir | null = null;
const started: LatticeProcess[] = [];
const childPids: number[] = [];

/** A child that logs `enter <pid>`, works a moment, logs `leave <pid>`. */
const child = (log: string, workSeconds: string): string =>
  `echo "enter $$" >> ${log}; sleep ${workSeconds}; echo "leave $$" >> ${log}`;

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}

/** The most owners inside at once; throws if a leave does not match an owner inside. */
function maxInside(log: readonly string[]): number {
  const inside = new Set<string>();
  let most = 0;
  for (const line of log) {
    const [event, owner] = line.split(' ') as [string, string];
    if (event === 'enter') inside.add(owner);
    else assert.ok(inside.delete(owner), `leave of ${owner} who was not inside: ${log.join(' | ')}`);
    most = Math.max(most, inside.size);
  }
  return most;
}

function lock(args: readonly string[]): LatticeProcess {
  const process = startLattice(['lock', ...args], { env });
  started.push(process);
  return process;
}

describe('lattice lock against a -dev agent', () => {
  before(async () => {
    dir = await makeTempDir();
    agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`]);
    await waitFor(
      async () => {
        if (agent?.hasExited) throw new Error(`lattice exited\n${agent.output}`);
        const response = await fetch(`${base}/v1/session/create`, { method: 'PUT', body: '{}' }).catch(() => null);
        return response?.ok ?? false;
      },
      { what: 'a -dev agent that can create sessions', deadlineMs: 30_000 },
    );
  });

  after(async () => {
    for (const process of started) process.kill();
    for (const pid of childPids) {
      try {
        globalThis.process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone: the child finished or its shell took it along.
      }
    }
    if (agent && !agent.hasExited) await agent.stop().catch(() => agent?.kill());
    await dir?.remove();
  });

  it('lets exactly one of five contenders hold the lock at any time', async () => {
    const log = dir!.file('mutex.log');
    const contenders = Array.from({ length: 5 }, () => lock(['mutex/key', child(log, '0.2')]));
    const results = await Promise.all(contenders.map((process) => process.waitForExit(60_000)));
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const entries = await lines(log);
    assert.equal(entries.length, 10, entries.join(' | '));
    assert.equal(maxInside(entries), 1, entries.join(' | '));
  });

  it('lets at most two in with -n 2', async () => {
    const log = dir!.file('semaphore.log');
    const contenders = Array.from({ length: 4 }, () => lock(['-n', '2', 'semaphore/key', child(log, '0.3')]));
    const results = await Promise.all(contenders.map((process) => process.waitForExit(60_000)));
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const entries = await lines(log);
    assert.equal(entries.length, 8, entries.join(' | '));
    assert.ok(maxInside(entries) <= 2, entries.join(' | '));
  });

  it('gives up after -timeout while another holds the lock, leaving no session behind', async () => {
    const log = dir!.file('timeout.log');
    const holder = lock(['timeout/key', child(log, '3')]);
    await waitFor(async () => (await lines(log)).length > 0, { what: 'the holder to enter' });
    const sessionsBefore = ((await (await fetch(`${base}/v1/session/list`)).json()) as unknown[]).length;
    const late = await runLattice(['lock', '-timeout=500ms', 'timeout/key', 'echo never'], { env });
    assert.equal(late.code, 1);
    assert.match(late.stderr, /Lock acquisition failed/);
    const sessionsAfter = ((await (await fetch(`${base}/v1/session/list`)).json()) as unknown[]).length;
    assert.equal(sessionsAfter, sessionsBefore, 'the late contender destroyed its session');
    assert.equal((await holder.waitForExit(30_000)).code, 0);
    assert.deepEqual(
      (await lines(log)).map((line) => line.split(' ')[0]),
      ['enter', 'leave'],
    );
  });

  it("writes Consul's lock and semaphore flags and refuses a key that is not a lock, as Consul's api.Lock", async () => {
    const log = dir!.file('flags.log');
    const holder = lock(['flags/key', `echo "enter $$" >> ${log}; sleep 2`]);
    await waitFor(async () => (await lines(log)).length > 0, { what: 'the holder to enter' });
    const raw = await (await fetch(`${base}/v1/kv/flags/key/.lock`)).text();
    assert.match(raw, /"Flags":3304740253564472344[,}]/);
    assert.equal((await holder.waitForExit(30_000)).code, 0);
    const semaphore = lock(['-n=2', 'sema/key', `echo "enter $$" >> ${log}; sleep 2`]);
    await waitFor(async () => (await lines(log)).length > 1, { what: 'the semaphore holder to enter' });
    assert.match(await (await fetch(`${base}/v1/kv/sema/key/.lock`)).text(), /"Flags":16210313421097356768[,}]/);
    assert.equal((await semaphore.waitForExit(30_000)).code, 0);
    await fetch(`${base}/v1/kv/plain/key/.lock`, { method: 'PUT', body: 'not a lock' });
    const refused = await runLattice(['lock', '-timeout=5s', 'plain/key', 'echo never'], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Existing key does not match lock use/);
    assert.equal(await (await fetch(`${base}/v1/kv/plain/key/.lock?raw`)).text(), 'not a lock');
  });

  it('hands the lock on after the holder is SIGKILLed, once its session expires', async () => {
    const log = dir!.file('killed.log');
    const ttl = ['-session-ttl=10s', '-lock-delay=1s'];
    const holder = lock([...ttl, 'killed/key', `echo "enter $$" >> ${log}; exec sleep 600`]);
    const [entered] = await waitFor(async () => lines(log).then((found) => (found.length > 0 ? found : null)), {
      what: 'the first holder to enter',
      deadlineMs: 30_000,
    });
    childPids.push(Number(entered?.split(' ')[1]));
    const waiting = lock([...ttl, 'killed/key', `echo "enter $$" >> ${log}`]);
    holder.kill();
    // The orphaned child holds the killed process's stdout open; end it too so the exit is observed. Nobody
    // renews the session any more: it expires after 2 × TTL, then the lock delay runs.
    globalThis.process.kill(Number(entered?.split(' ')[1]), 'SIGKILL');
    await holder.waitForExit();
    const result = await waiting.waitForExit(60_000);
    assert.equal(result.code, 0, result.stderr);
    const entries = await lines(log);
    assert.equal(entries.length, 2, entries.join(' | '));
  });
});
