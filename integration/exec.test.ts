// `lattice exec` across real agents: a server (127.38.1.1, remote exec at its default, disabled) and two clients,
// exec-on (127.38.1.2, disable_remote_exec = false) and exec-off (127.38.1.3, the default). Each agent runs with
// EXEC_MARKER naming a file for it, so a job that touches "$EXEC_MARKER" leaves proof of which agents ran it.
// Proves: the output and exit code of the enabled agent come back prefixed with its name, with Consul's summary and
// exit status 2; the disabled agents run nothing and log that they ignored the event; the job's KV directory and
// session are gone afterwards; a garbage job and garbage event payloads leave the agent running. Every wait has a
// deadline; nothing sleeps.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  getAgentJson,
  type LatticeProcess,
  runLattice,
  startLattice,
  waitFor,
  waitForHttp,
} from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const serverHost = '127.38.1.1';
const onHost = '127.38.1.2';
const offHost = '127.38.1.3';
const httpAddress = `${onHost}:8500`;
const agents: LatticeProcess[] = [];
let workDir: TempDir;

const marker = (node: string): string => join(workDir.path, `ran-${node}`);

function startAgent(host: string, node: string, extra: readonly string[]): LatticeProcess {
  const dataDir = join(workDir.path, `data-${node}`);
  const agent = startLattice(
    ['agent', `-data-dir=${dataDir}`, `-bind=${host}`, `-client=${host}`, `-node=${node}`, ...extra],
    { env: { EXEC_MARKER: marker(node) } },
  );
  agents.push(agent);
  return agent;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const response = await fetch(`http://${httpAddress}/v1/kv/${prefix}?keys`);
  if (response.status === 404) return [];
  return (await response.json()) as string[];
}

async function sessions(): Promise<unknown[]> {
  return (await (await fetch(`http://${httpAddress}/v1/session/list`)).json()) as unknown[];
}

before(async () => {
  workDir = await makeTempDir();
  const server = startAgent(serverHost, 'exec-server', ['-server', '-bootstrap']);
  const join = [`-retry-join=${serverHost}`, '-retry-interval=1s'];
  const on = startAgent(onHost, 'exec-on', [...join, '-hcl=disable_remote_exec = false']);
  const off = startAgent(offHost, 'exec-off', join);
  await waitForHttp(`http://${serverHost}:8500/v1/status/leader`, { process: server });
  await waitForHttp(`http://${onHost}:8500/v1/agent/self`, { process: on });
  await waitForHttp(`http://${offHost}:8500/v1/agent/self`, { process: off });
  // Every node in the catalog: the leader is elected and both clients synced, so sessions can name them.
  await waitFor(async () => (await getAgentJson<unknown[]>(serverHost, '/v1/catalog/nodes')).length === 3, {
    what: 'all three nodes in the catalog',
    deadlineMs: 60_000,
  });
});

after(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGINT').catch(() => agent.kill())));
  await workDir?.remove();
});

describe('lattice exec', () => {
  it('runs on the enabled agent only and prints its output, exit code and the summary', async () => {
    const result = await runLattice(
      ['exec', `-http-addr=${httpAddress}`, '-node=^exec-', '-wait=1s', 'echo hi; touch "$EXEC_MARKER"; exit 3'],
      { deadlineMs: 30_000 },
    );
    assert.equal(result.code, 2, `a non-zero exit on a node makes exec exit 2\n${result.stdout}${result.stderr}`);
    assert.equal(
      result.stdout,
      '    exec-on: hi\n    exec-on:\n==> exec-on: finished with exit code 3\n1 / 1 node(s) completed / acknowledged\n',
    );
    assert.equal(result.stderr, '');
    assert.ok(existsSync(marker('exec-on')), 'the enabled agent ran the command');
    assert.ok(!existsSync(marker('exec-off')), 'the disabled client ran nothing');
    assert.ok(!existsSync(marker('exec-server')), 'the server (matched by -node, remote exec disabled) ran nothing');
  });

  it('leaves no keys and no session behind', async () => {
    assert.deepEqual(await keysUnder('_rexec/'), []);
    assert.deepEqual(await sessions(), []);
  });

  it('has every disabled agent ignore the event, in Consul words, when no filter is given', async () => {
    const ignoredPattern = /ignoring remote exec event \([0-9a-f-]+\), disabled\./g;
    const ignored = (agent: LatticeProcess): number => (agent.output.match(ignoredPattern) ?? []).length;
    const disabled = [agents[0], agents[2]] as LatticeProcess[];
    const before = disabled.map(ignored);
    const result = await runLattice(['exec', `-http-addr=${httpAddress}`, '-wait=1s', 'touch "$EXEC_MARKER"'], {
      deadlineMs: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /==> exec-on: finished with exit code 0\n1 \/ 1 node\(s\) completed \/ acknowledged\n$/,
    );
    for (const [position, agent] of disabled.entries())
      await waitFor(() => ignored(agent) > (before[position] as number), { what: 'the disabled agent ignoring it' });
    assert.ok(!existsSync(marker('exec-server')), 'the server ran nothing');
    assert.ok(!existsSync(marker('exec-off')), 'exec-off ran nothing');
  });

  it('survives a garbage job and garbage event payloads, then still runs jobs', async () => {
    const session = '11111111-2222-4333-8444-555555555555';
    const put = await fetch(`http://${httpAddress}/v1/kv/_rexec/${session}/job`, {
      method: 'PUT',
      body: 'rm -rf / {not json',
    });
    assert.equal(put.status, 200);
    for (const payload of [`{"Prefix":"_rexec","Session":"${session}"}`, 'garbage', '{"Session":"../../x"}']) {
      const fired = await fetch(`http://${httpAddress}/v1/event/fire/_rexec`, { method: 'PUT', body: payload });
      assert.equal(fired.status, 200);
    }
    const on = agents[1] as LatticeProcess;
    await on.waitForOutput(/failed to read remote exec job/);
    assert.deepEqual(await keysUnder(`_rexec/${session}/exec-on/`), [], 'no ack for a job it cannot read');
    await fetch(`http://${httpAddress}/v1/kv/_rexec/?recurse`, { method: 'DELETE' });
    const result = await runLattice(
      // Also: -shell=false runs the words directly, and flags end at the first word (`-la` reaches printf as typed).
      ['exec', `-http-addr=${httpAddress}`, '-node=^exec-on$', '-wait=1s', '-shell=false', 'printf', 'alive %s', '-la'],
      {
        deadlineMs: 30_000,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {4}exec-on: alive -la\n/);
  });
});
