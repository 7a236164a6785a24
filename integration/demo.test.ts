// Proves the `npm start` demo (scripts/start-demo.mjs) on 127.0.0.120: it becomes ready and says so, web reaches
// api through web's sidecar upstream (the mesh), both services pass their checks in /v1/health/service, a deny
// intention web → api over the HTTP API makes web report the refusal and deleting it restores the traffic, and
// SIGINT stops the script, the agent and the apps, leaving no process or listener behind.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repositoryRoot, waitFor } from './helpers/lattice-process.js';

const address = '127.0.0.120';
const base = `http://${address}:8500`;
const webUrl = `http://${address}:9002/`;
/** A first leader election, CA bootstrap, leaf certificates and two check intervals, on a loaded machine. */
const readyDeadlineMs = 90_000;

let demo: ChildProcess;
let output = '';
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let agentPid = 0;

interface WebReport {
  service: string;
  via: string;
  upstream: { ok: boolean; status?: number; error?: string; body?: { service: string; count: number } };
}

async function callWeb(): Promise<{ status: number; report: WebReport }> {
  const response = await fetch(webUrl, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, report: (await response.json()) as WebReport };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

before(async () => {
  demo = spawn(process.execPath, [join(repositoryRoot, 'scripts', 'start-demo.mjs')], {
    cwd: repositoryRoot,
    env: { ...process.env, LATTICE_DEMO_ADDR: address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [demo.stdout, demo.stderr])
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
  exited = new Promise((resolve) => demo.once('exit', (code, signal) => resolve({ code, signal })));
  await waitFor(
    () => {
      if (demo.exitCode !== null) throw new Error(`the demo exited\n${output}`);
      return /Lattice demo mesh is running \(agent pid (\d+)\)/.test(output);
    },
    { deadlineMs: readyDeadlineMs, what: 'the demo to say it is running' },
  );
  agentPid = Number(/agent pid (\d+)/.exec(output)?.[1]);
});

after(async () => {
  if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
  if (agentPid > 0 && isAlive(agentPid)) process.kill(agentPid, 'SIGKILL');
});

describe('npm start demo mesh', () => {
  it('prints where to look and what to try', () => {
    for (const expected of [
      `${base}/ui`,
      webUrl,
      `curl http://${address}:9191/`,
      `dig @${address} -p 8600 api.service.consul`,
      'Ctrl-C',
    ])
      assert.ok(output.includes(expected), `the banner shows ${expected}\n${output}`);
  });

  it('carries web → api through the mesh', async () => {
    const first = await callWeb();
    assert.equal(first.status, 200);
    assert.equal(first.report.via, `${address}:9191`, "web calls api only through its sidecar's upstream");
    assert.equal(first.report.upstream.body?.service, 'api');
    const second = await callWeb();
    assert.ok((second.report.upstream.body?.count ?? 0) > (first.report.upstream.body?.count ?? 0));
    const services = (await (await fetch(`${base}/v1/agent/services`)).json()) as Record<string, { Kind?: string }>;
    assert.equal(services['web-sidecar-proxy']?.Kind, 'connect-proxy');
    assert.equal(services['api-sidecar-proxy']?.Kind, 'connect-proxy');
  });

  it('shows both services passing in /v1/health/service', async () => {
    for (const service of ['api', 'web']) {
      const entries = (await (await fetch(`${base}/v1/health/service/${service}`)).json()) as {
        Checks: { CheckID: string; Status: string }[];
      }[];
      assert.equal(entries.length, 1, service);
      const checks = entries[0]?.Checks ?? [];
      assert.ok(
        checks.some((check) => check.CheckID === `${service}-http`),
        `${service} has its HTTP check`,
      );
      assert.deepEqual(
        checks.filter((check) => check.Status !== 'passing'),
        [],
        `${service}: every check passing`,
      );
    }
  });

  it('reports the refusal under a deny intention and recovers when it is deleted', async () => {
    const exact = `${base}/v1/connect/intentions/exact?source=web&destination=api`;
    assert.equal(
      await (await fetch(exact, { method: 'PUT', body: JSON.stringify({ Action: 'deny' }) })).text(),
      'true',
    );
    const refused = await waitFor(
      async () => {
        const answer = await callWeb();
        return answer.status === 502 ? answer : null;
      },
      { what: 'web to report the refused call' },
    );
    assert.equal(refused.report.upstream.ok, false);
    assert.ok(refused.report.upstream.error, 'web says why');
    assert.equal((await fetch(exact, { method: 'DELETE' })).status, 200);
    await waitFor(async () => (await callWeb()).report.upstream.ok, { what: 'traffic after the delete' });
  });

  it('stops everything on SIGINT', async () => {
    assert.ok(isAlive(agentPid), 'the agent runs until then');
    demo.kill('SIGINT');
    await waitFor(() => demo.exitCode !== null || demo.signalCode !== null, {
      deadlineMs: 30_000,
      what: `the demo to exit\n${output}`,
    });
    const { code } = await exited;
    assert.equal(code, 0, output);
    assert.match(output, /Demo stopped\./);
    assert.equal(isAlive(agentPid), false, 'the agent is gone');
    for (const port of [8500, 9001, 9002, 9191]) assert.equal(await accepts(port), false, `nothing listens on ${port}`);
  });
});
