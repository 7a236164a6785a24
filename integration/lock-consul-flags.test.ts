// `lattice lock` as a drop-in for `consul lock` (command/lock/lock.go): the child sees CONSUL_LOCK_HELD=true and
// gets no stdin unless -pass-stdin; -shell=false runs the words as argv; -try is the deprecated -timeout;
// -monitor-retry bounds how many failed looks at the lock are ridden out (1 s apart) before the lock counts as
// lost, so a holder whose agent died stops its child (SIGTERM, SIGKILL after a 5 s grace) instead of running on
// beside the next holder; and a semaphore's `.lock` key is removed when its last holder leaves (Semaphore.Destroy).
// Agents on 127.44.0.20 (kept) and 127.44.0.21 (SIGKILLed by the monitor test).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  type LatticeProcess,
  latticeBinary,
  repositoryRoot,
  runLattice,
  startLattice,
  waitFor,
} from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const keptAddress = '127.44.0.20';
const doomedAddress = '127.44.0.21';
const env = { CONSUL_HTTP_ADDR: `${keptAddress}:8500` };
const agents: LatticeProcess[] = [];
const started: LatticeProcess[] = [];
const strayPids: number[] = [];
let dir: TempDir | null = null;

function startDevAgent(address: string): LatticeProcess {
  const agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`]);
  agents.push(agent);
  return agent;
}

async function waitForSessions(agent: LatticeProcess, address: string): Promise<void> {
  await waitFor(
    async () => {
      if (agent.hasExited) throw new Error(`lattice exited\n${agent.output}`);
      const response = await fetch(`http://${address}:8500/v1/session/create`, { method: 'PUT', body: '{}' }).catch(
        () => null,
      );
      return response?.ok ?? false;
    },
    { what: `a -dev agent on ${address} that can create sessions`, deadlineMs: 30_000 },
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `lattice lock ARGS` with `input` written to its stdin; resolves with its exit code and output. */
function lockWithStdin(args: readonly string[], input: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [latticeBinary, 'lock', ...args], {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout });
    });
    child.stdin.end(input);
  });
}

describe('lattice lock: consul lock flags, environment and failure handling', () => {
  before(async () => {
    dir = await makeTempDir();
    const kept = startDevAgent(keptAddress);
    const doomed = startDevAgent(doomedAddress);
    await Promise.all([waitForSessions(kept, keptAddress), waitForSessions(doomed, doomedAddress)]);
  });

  after(async () => {
    for (const process of started) process.kill();
    for (const pid of strayPids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    for (const agent of agents) if (!agent.hasExited) await agent.stop().catch(() => agent.kill());
    await dir?.remove();
  });

  it('gives the child CONSUL_LOCK_HELD=true and no stdin unless -pass-stdin', async () => {
    const held = await runLattice(['lock', 'env/key', 'echo "held=$CONSUL_LOCK_HELD"'], { env });
    assert.equal(held.code, 0, held.stderr);
    assert.equal(held.stdout, 'held=true\n');
    const closed = await lockWithStdin(['stdin/key', 'cat; echo end'], 'from the terminal\n');
    assert.deepEqual(closed, { code: 0, stdout: 'end\n' });
    const passed = await lockWithStdin(['-pass-stdin', 'stdin/key', 'cat; echo end'], 'from the terminal\n');
    assert.deepEqual(passed, { code: 0, stdout: 'from the terminal\nend\n' });
  });

  it('runs the words as argv with -shell=false and takes -try and -monitor-retry', async () => {
    const direct = await runLattice(['lock', '-shell=false', 'argv/key', 'printf', '%s|', 'a b', '$HOME'], { env });
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(direct.stdout, 'a b|$HOME|');
    const shell = await runLattice(['lock', '-shell=true', '-monitor-retry=0', 'argv/key', 'echo', 'one'], { env });
    assert.equal(shell.code, 0, shell.stderr);
    assert.equal(shell.stdout, 'one\n');
    // A command that cannot start is reported, and counts as the child's error for -child-exit-code.
    const missing = await runLattice(['lock', '-shell=false', '-child-exit-code', 'argv/key', '/nonexistent/cmd'], {
      env,
    });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Error starting handler: .*ENOENT/);
    const negative = await runLattice(['lock', '-monitor-retry=-1', 'argv/key', 'true'], { env });
    assert.equal(negative.code, 1);
    assert.match(negative.stderr, /Number for 'monitor-retry' must be >= 0/);
    // -try is consul lock's deprecated spelling of -timeout: a contender that cannot get in gives up.
    const log = dir!.file('try.log');
    const holder = runLattice(['lock', 'try/key', `echo in >> ${log}; sleep 3`], { env, deadlineMs: 30_000 });
    await waitFor(async () => (await readFile(log, 'utf8').catch(() => '')) !== '', { what: 'the holder to enter' });
    const late = await runLattice(['lock', '-try=300ms', 'try/key', 'echo never'], { env });
    assert.equal(late.code, 1);
    assert.match(late.stderr, /Lock acquisition failed/);
    assert.equal(late.stdout, '');
    assert.equal((await holder).code, 0);
  });

  it("answers usage mistakes with consul lock's texts and exit 1, before touching the agent", async () => {
    const cases: [string[], RegExp][] = [
      [[], /^Key prefix and child command must be specified$/m],
      [['only/prefix'], /^Key prefix and child command must be specified$/m],
      [['-n=0', 'p', 'true'], /^Lock holder limit must be positive$/m],
      [['-timeout=-1s', 'p', 'true'], /^Timeout must be positive$/m],
    ];
    for (const [args, text] of cases) {
      const result = await runLattice(['lock', ...args], { env: { CONSUL_HTTP_ADDR: '127.44.0.29:1' } });
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, text, args.join(' '));
    }
  });

  it('removes the semaphore key when its last holder leaves, as Semaphore.Destroy', async () => {
    const result = await runLattice(['lock', '-n=2', 'sem/cleanup', 'true'], { env });
    assert.equal(result.code, 0, result.stderr);
    const left = await fetch(`http://${keptAddress}:8500/v1/kv/sem/cleanup?recurse`);
    assert.equal(left.status, 404, await left.text());
  });

  it('counts the lock as lost when its agent stays unreachable, and stops a child that ignores SIGTERM', async () => {
    const pidFile = dir!.file('stubborn.pid');
    // The child ignores SIGTERM, as a slow cleanup would: only the SIGKILL after the grace period ends it.
    const holder = startLattice(
      ['lock', '-monitor-retry=1', 'doomed/key', `trap '' TERM; echo $$ > ${pidFile}; while :; do sleep 0.2; done`],
      { env: { CONSUL_HTTP_ADDR: `${doomedAddress}:8500` } },
    );
    started.push(holder);
    const childPid = await waitFor(
      async () => {
        if (holder.hasExited) throw new Error(`lattice lock exited\n${holder.output}`);
        const text = await readFile(pidFile, 'utf8').catch(() => '');
        return text.trim() === '' ? null : Number(text.trim());
      },
      { what: 'the child to start under the lock', deadlineMs: 30_000 },
    );
    strayPids.push(childPid);
    const doomed = agents[1] as LatticeProcess;
    doomed.kill();
    await doomed.waitForExit();
    // One retry 1 s apart, then SIGTERM, 5 s of grace, SIGKILL: well inside 20 s.
    const result = await holder.waitForExit(20_000);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Lock lost, killing child/);
    assert.equal(isRunning(childPid), false, 'the child was killed');
  });
});
