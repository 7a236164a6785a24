#!/usr/bin/env node
// `npm start`: the Lattice demo mesh on one machine (DESIGN §8). Runs `lattice agent -dev` (one server+agent,
// UI on :8500/ui, DNS on :8600) with the two services of examples/demo/, and the two demo apps they describe
// (examples/demo/apps.mjs): web calls api through its sidecar's upstream listener, and the dev agent hosts both
// sidecars itself (managed proxies). Once both services pass their checks and a call has crossed the mesh, it
// prints where to look and what to try. Ctrl-C (SIGINT) or SIGTERM is passed to the agent, which shuts down cleanly;
// if the agent dies on its own, the demo exits non-zero with the agent's last words.
//
// Usage: node scripts/start-demo.mjs [--addr=127.0.0.1] [--quiet]     (after a build: it runs dist/)
//   --addr / LATTICE_DEMO_ADDR: the loopback address for everything (agent, apps, sidecars), so the demo can run
//   beside another agent on 127.0.0.1. --quiet / LATTICE_DEMO_QUIET=1: do not stream the agent's log.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoPorts, startApi, startWeb } from '../examples/demo/apps.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const latticeBinary = join(root, 'dist', 'bin', 'lattice.js');
const demoDir = join(root, 'examples', 'demo');
const serviceFiles = ['api.hcl', 'web.hcl'];
/** The service definitions say 127.0.0.1; another --addr rewrites them into a temporary copy. */
const definitionsAddress = '127.0.0.1';
/** Long enough for a first leader election, CA bootstrap, leaf certificates and two check intervals on a slow CI. */
const readyDeadlineMs = 90_000;
const stopDeadlineMs = 20_000;
const agentLinesKept = 40;

function option(name, envName) {
  const flag = process.argv.slice(2).find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (flag !== undefined) return flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : 'true';
  return process.env[envName] || undefined;
}

function fail(message) {
  process.stderr.write(`lattice demo: ${message}\n`);
  process.exit(1);
}

const unknown = process.argv.slice(2).filter((arg) => !/^--(addr|quiet)(=|$)/.test(arg));
if (unknown.length > 0) fail(`unknown argument ${unknown[0]} (usage: start-demo.mjs [--addr=IP] [--quiet])`);
const address = option('addr', 'LATTICE_DEMO_ADDR') ?? definitionsAddress;
if (!isIPv4(address) || !address.startsWith('127.')) fail(`--addr must be a loopback IPv4 address, not "${address}"`);
const quiet = ['1', 'true'].includes(option('quiet', 'LATTICE_DEMO_QUIET') ?? '');
if (!existsSync(latticeBinary)) fail(`${latticeBinary} is missing: build first (npm run build)`);

/** The service definition files for this address: the originals, or rewritten copies in a temporary directory. */
async function configFiles() {
  if (address === definitionsAddress) return { files: serviceFiles.map((name) => join(demoDir, name)), dir: null };
  const dir = await mkdtemp(join(tmpdir(), 'lattice-demo-'));
  const files = [];
  for (const name of serviceFiles) {
    const text = await readFile(join(demoDir, name), 'utf8');
    files.push(join(dir, name));
    await writeFile(join(dir, name), text.replaceAll(definitionsAddress, address));
  }
  return { files, dir };
}

const base = `http://${address}:8500`;
const webUrl = `http://${address}:${demoPorts.web}/`;
const { files, dir: tempDir } = await configFiles();
const apps = [];
try {
  apps.push(
    await startApi(address),
    await startWeb(address, demoPorts.web, demoPorts.webUpstreamApi, `${address}:8500`),
  );
} catch (error) {
  await rm(tempDir ?? '', { recursive: true, force: true });
  fail(`cannot start the demo apps on ${address} (${error.message}); is another demo running? Try --addr=127.0.0.2`);
}

process.stdout.write(
  `Starting the Lattice demo on ${address}: a -dev agent with api and web and their sidecars` +
    `${quiet ? '' : " (the agent's log follows, marked [agent])"}; ready in a few seconds...\n`,
);
const agent = spawn(
  process.execPath,
  [latticeBinary, 'agent', '-dev', `-bind=${address}`, `-client=${address}`, ...files.map((f) => `-config-file=${f}`)],
  // Its own process group: a terminal's Ctrl-C reaches only this script, which passes one SIGINT on (a second
  // SIGINT makes the agent quit without leaving).
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
);
const lastLines = [];
for (const stream of [agent.stdout, agent.stderr]) {
  let partial = '';
  stream.setEncoding('utf8').on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      lastLines.push(line);
      if (lastLines.length > agentLinesKept) lastLines.shift();
      if (!quiet) process.stderr.write(`[agent] ${line}\n`);
    }
  });
}

let stopping = false;
const agentExited = new Promise((resolve) => agent.once('exit', (code, signal) => resolve({ code, signal })));

async function cleanUp() {
  await Promise.all(apps.map((app) => new Promise((resolve) => app.close(resolve))));
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
}

// The agent dying while the demo runs (a taken port, a crash) ends the demo with its reason.
agentExited.then(async ({ code, signal }) => {
  if (stopping) return;
  process.stderr.write(
    `\nlattice demo: the agent exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}). ` +
      `Its last output:\n${lastLines.map((line) => `  ${line}`).join('\n')}\n`,
  );
  await cleanUp();
  process.exit(1);
});
// Whatever happens to this script, it does not leave the agent behind.
process.on('exit', () => {
  if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
});

async function stop(signal) {
  if (stopping) {
    // A second Ctrl-C: do not wait for a graceful leave.
    agent.kill('SIGKILL');
    process.exit(1);
  }
  stopping = true;
  process.stdout.write(`\nStopping the demo (${signal}): the agent, its sidecars and the apps shut down...\n`);
  agent.kill(signal);
  const timer = setTimeout(() => agent.kill('SIGKILL'), stopDeadlineMs);
  const { code } = await agentExited;
  clearTimeout(timer);
  await cleanUp();
  process.stdout.write('Demo stopped.\n');
  process.exit(code === 0 ? 0 : 1);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.json() };
}

async function passing(service) {
  const { status, body } = await getJson(`${base}/v1/health/service/${service}?passing=1`);
  return status === 200 && Array.isArray(body) && body.length > 0;
}

/** Ready when both services pass their checks and web has reached api through the mesh. */
async function waitUntilReady() {
  const started = performance.now();
  let lastProblem = 'the agent is starting';
  while (performance.now() - started < readyDeadlineMs) {
    if (stopping) return false;
    try {
      if (!(await passing('api'))) lastProblem = 'api is not passing its health check yet';
      else if (!(await passing('web'))) lastProblem = 'web is not passing its health check yet';
      else {
        const { body } = await getJson(webUrl);
        if (body.upstream?.ok) return true;
        lastProblem = `web cannot reach api through the mesh yet (${body.upstream?.error ?? body.upstream?.status})`;
      }
    } catch (error) {
      lastProblem = `${error.cause?.code ?? error.message}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`not ready after ${readyDeadlineMs / 1000} s: ${lastProblem}`);
}

try {
  if (!(await waitUntilReady())) await new Promise(() => undefined); // stopping: stop() exits
} catch (error) {
  stopping = true;
  process.stderr.write(`lattice demo: ${error.message}\n`);
  agent.kill('SIGINT');
  const timer = setTimeout(() => agent.kill('SIGKILL'), stopDeadlineMs);
  await agentExited;
  clearTimeout(timer);
  await cleanUp();
  process.exit(1);
}

const lattice = `node dist/bin/lattice.js`;
const httpAddr = address === definitionsAddress ? '' : ` -http-addr=${address}:8500`;
process.stdout.write(`
==> Lattice demo mesh is running (agent pid ${agent.pid})

  UI           ${base}/ui
  web app      ${webUrl}          (open it, or curl it: web calls api through the mesh)
  HTTP API     ${base}/v1/health/service/web

  Through the mesh (web's sidecar upstream for api, mTLS to api's sidecar):
    curl ${webUrl}
    curl http://${address}:${demoPorts.webUpstreamApi}/
  DNS:
    dig @${address} -p 8600 api.service.consul
    dig @${address} -p 8600 web.service.consul SRV
  Block web -> api with an intention, then curl web again (it reports the refusal); delete it to restore:
    ${lattice} intention create -deny${httpAddr} web api
    ${lattice} intention delete${httpAddr} web api
  Watch the catalog change:
    ${lattice} watch${httpAddr} -type=services

  Stop: Ctrl-C (stops the agent, its sidecars and the demo apps)
`);
