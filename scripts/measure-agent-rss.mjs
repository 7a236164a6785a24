#!/usr/bin/env node
// Measures the resident memory of Lattice client agents (issue 5's "RSS per agent at most 2x serf's"). Starts one
// server (`lattice agent -server -bootstrap`) on 127.20.0.1 and CLIENTS client agents on 127.20.0.2, .3, ... with the
// flags bench/gossip.ts gives its agents (-retry-join to the server instead of an HTTP join), waits until every
// client is a member of the pool and its node is in the server's catalog (anti-entropy has synced), lets them settle,
// then samples VmRSS (/proc/<pid>/status, as bench/gossip.ts reads it; also Pss from smaps_rollup) once a second
// for SAMPLE_S seconds. With B_NODE_FLAGS the odd-numbered clients run with those node flags instead (an A/B in one
// run), and with B_LATTICE (another build's dist/bin/lattice.js, e.g. a worktree of an older commit) they run that
// build; with LOAD_S > 0 wrk then loads one client of each group on LOAD_PATHS (/v1/agent/self is served by the
// client alone, /v1/catalog/nodes through its RPC client to the server), groups alternating, LOAD_ROUNDS rounds.
// With LEAF=1 it then asks each client for a Connect leaf certificate and samples again, to show what the lazily
// loaded certificate code costs once used. With TRACE_MODULES=1 the clients run under
// dist/lib/testing/module-trace/register.js and the report counts the modules each loaded, by package.
// Env: CLIENTS (1), SETTLE_S (10), SAMPLE_S (5), CLIENT_NODE_FLAGS (e.g. "--max-semi-space-size=1"),
// SERVER_NODE_FLAGS, B_NODE_FLAGS (unset), B_LATTICE (unset), LOAD_S (0), LOAD_ROUNDS (3), LOAD_PATHS, LEAF (0),
// TRACE_MODULES (0), KEEP_DIR (0).
// Build first (npx tsc -p tsconfig.json). Only the processes this script started are killed; every wait is bounded.
// The last stdout line is {"measure":"agent-rss",...}; sizes are MiB.

import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lattice = join(root, 'dist', 'bin', 'lattice.js');
const traceHooks = join(root, 'dist', 'lib', 'testing', 'module-trace', 'register.js');
const env = process.env;
const clients = Number(env.CLIENTS ?? 1);
const settleMs = Number(env.SETTLE_S ?? 10) * 1000;
const sampleS = Number(env.SAMPLE_S ?? 5);
const splitFlags = (text) => (text ?? '').split(/\s+/).filter(Boolean);
const clientNodeFlags = splitFlags(env.CLIENT_NODE_FLAGS);
const serverNodeFlags = splitFlags(env.SERVER_NODE_FLAGS);
const compareLattice = env.B_LATTICE ?? null;
const compareFlags = env.B_NODE_FLAGS === undefined && compareLattice === null ? null : splitFlags(env.B_NODE_FLAGS);
const askLeaf = env.LEAF === '1';
const loadSeconds = Number(env.LOAD_S ?? 0);
const loadRounds = Number(env.LOAD_ROUNDS ?? 3);
const loadConnections = 8;
const loadPaths = (env.LOAD_PATHS ?? '/v1/agent/self,/v1/catalog/nodes').split(',');
const traceModules = env.TRACE_MODULES === '1';
const startTimeoutMs = 60_000;
if (!Number.isInteger(clients) || clients < 1 || clients > 200) throw new Error('CLIENTS must be 1..200');
if (compareFlags !== null && clients < 2) throw new Error('B_NODE_FLAGS and B_LATTICE need CLIENTS of 2 or more');

const progress = (message) => process.stderr.write(`[agent-rss] ${message}\n`);
const round1 = (value) => Math.round(value * 10) / 10;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const serverHost = '127.20.0.1';
const clientHost = (position) => `127.20.0.${position + 2}`;

const children = new Set();
/** Set when a process we started exits before the end: every wait stops at once and names its log. */
let exitedEarly = null;
function start(args, nodeFlags, logPath, extraEnv = {}, binary = lattice) {
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...nodeFlags, binary, ...args], {
    stdio: ['ignore', log, log],
    env: { ...env, ...extraEnv },
  });
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    exitedEarly ??= `${logPath} (exit ${code ?? signal}): ${readFileSync(logPath, 'utf8').slice(-2_000)}`;
  });
  return child;
}
function killAll() {
  exitedEarly = '';
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
/** Kills what we started and waits (bounded) until all are gone, so that a next run finds the ports free. */
async function stopAll() {
  const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  killAll();
  await Promise.race([Promise.all(exits), pause(5_000)]);
}
process.once('SIGINT', () => {
  killAll();
  process.exit(130);
});

async function getJson(host, path) {
  const response = await fetch(`http://${host}:8500${path}`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${host}${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** Polls `condition` until it returns true; throws at the deadline with `what` and the last error. */
async function waitFor(condition, what, deadlineMs = startTimeoutMs) {
  const started = performance.now();
  let lastError = null;
  for (;;) {
    if (exitedEarly !== null) throw new Error(`a process exited while waiting for ${what}: ${exitedEarly}`);
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - started > deadlineMs)
      throw new Error(
        `timed out after ${deadlineMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`,
      );
    await pause(100);
  }
}

/**
 * VmRSS and its anonymous and file-backed parts, MiB, and the proportional set size (Pss: pages shared with other
 * processes, such as the node binary's code, divided among them), which is what each of many agents on one host costs.
 */
function rss(pid) {
  const field = (text, name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1]) / 1024;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rss: field(status, 'VmRSS'),
    anon: field(status, 'RssAnon'),
    file: field(status, 'RssFile'),
    pss: field(rollup, 'Pss'),
  };
}

/** Requests per second wrk reaches on `url`. */
async function wrk(url) {
  const child = spawn('wrk', ['-t1', `-c${loadConnections}`, `-d${loadSeconds}s`, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
  if (code !== 0 || rate === undefined) throw new Error(`wrk ${url} failed (exit ${code}): ${output}`);
  if (/Non-2xx/.test(output)) throw new Error(`wrk ${url}: non-2xx answers: ${output}`);
  return Math.round(Number(rate));
}

/** User plus system CPU time the process has used, ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Samples every process once a second for sampleS seconds; per process, the median of each field and CPU use. */
async function sampleRss(processes) {
  const samples = processes.map(() => []);
  const cpuBefore = processes.map((child) => cpuMs(child.pid));
  const started = performance.now();
  for (let second = 0; second < sampleS; second++) {
    for (const [position, child] of processes.entries()) samples[position].push(rss(child.pid));
    await pause(1_000);
  }
  const elapsedMs = performance.now() - started;
  return samples.map((list, position) => ({
    cpu_percent: round1(((cpuMs(processes[position].pid) - cpuBefore[position]) / elapsedMs) * 100),
    rss_mb: round1(median(list.map((sample) => sample.rss))),
    anon_mb: round1(median(list.map((sample) => sample.anon))),
    file_mb: round1(median(list.map((sample) => sample.file))),
    pss_mb: round1(median(list.map((sample) => sample.pss))),
  }));
}

const mean = (list, key) => round1(list.reduce((sum, item) => sum + item[key], 0) / list.length);

/** Modules in a trace file, counted by package (node_modules/<name>) or by Lattice folder (dist/<folder>). */
function moduleCounts(file) {
  const urls = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  const counts = {};
  for (const url of urls) {
    const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const folder = /\/dist\/([^/]+)\//.exec(url)?.[1];
    const key = url.startsWith('node:') ? 'node:' : packageName ? `npm:${packageName}` : `lattice:${folder ?? '?'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return { total: urls.length, by: Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1])) };
}

const dir = await mkdtemp(join(tmpdir(), 'lattice-agent-rss-'));
try {
  const common = ['--dns-port', '-1', '--serf-wan-port', '-1', '--log-level', 'WARN'];
  const server = start(
    [
      'agent',
      '--server',
      '--bootstrap',
      '--node',
      'rss-server',
      '--bind',
      serverHost,
      '--client',
      serverHost,
      '--data-dir',
      join(dir, 'server'),
      ...common,
    ],
    serverNodeFlags,
    join(dir, 'server.log'),
  );
  await waitFor(async () => (await getJson(serverHost, '/v1/status/leader')) !== '', 'the server to lead');
  const names = Array.from({ length: clients }, (_, position) => `rss-client-${position}`);
  // With B_NODE_FLAGS the odd-numbered clients are group B: both groups run side by side in the same run.
  const groupOf = (position) => (compareFlags !== null && position % 2 === 1 ? 'b' : 'a');
  const processes = names.map((name, position) =>
    start(
      [
        'agent',
        '--node',
        name,
        '--bind',
        clientHost(position),
        '--client',
        clientHost(position),
        '--data-dir',
        join(dir, name),
        '--retry-join',
        serverHost,
        ...common,
      ],
      (groupOf(position) === 'b' ? compareFlags : clientNodeFlags).concat(traceModules ? ['--import', traceHooks] : []),
      join(dir, `${name}.log`),
      traceModules ? { LATTICE_MODULE_TRACE: join(dir, `${name}.modules`) } : {},
      groupOf(position) === 'b' && compareLattice !== null ? compareLattice : lattice,
    ),
  );
  await waitFor(async () => {
    const nodes = new Set((await getJson(serverHost, '/v1/catalog/nodes')).map((node) => node.Node));
    return names.every((name) => nodes.has(name));
  }, 'every client in the server catalog');
  await Promise.all(
    names.map((_, position) =>
      waitFor(
        async () =>
          (await getJson(clientHost(position), '/v1/agent/members')).filter((member) => member.Status === 1).length ===
          clients + 1,
        `client ${position} to see every member alive`,
      ),
    ),
  );
  progress(`${clients} client(s) joined and synced; settling ${settleMs / 1000} s`);
  await pause(settleMs);
  const groups = compareFlags === null ? ['a'] : ['a', 'b'];
  const members = (group) => processes.filter((_, position) => groupOf(position) === group);
  const report = { measure: 'agent-rss', clients };
  for (const group of groups) {
    const idle = await sampleRss(members(group));
    const key = compareFlags === null ? 'client' : `client_${group}`;
    Object.assign(report, {
      [`${key}_node_flags`]: (group === 'b' ? compareFlags : clientNodeFlags).join(' '),
      [`${key}_lattice`]: group === 'b' && compareLattice !== null ? compareLattice : lattice,
      [`${key}_rss_mb`]: mean(idle, 'rss_mb'),
      [`${key}_anon_mb`]: mean(idle, 'anon_mb'),
      [`${key}_file_mb`]: mean(idle, 'file_mb'),
      [`${key}_pss_mb`]: mean(idle, 'pss_mb'),
      [`${key}_cpu_percent`]: mean(idle, 'cpu_percent'),
    });
  }
  report.server_rss_mb = (await sampleRss([server]))[0].rss_mb;
  if (traceModules) report.client_modules = moduleCounts(join(dir, `${names[0]}.modules`));
  if (askLeaf) {
    for (const position of names.keys())
      await getJson(clientHost(position), `/v1/agent/connect/ca/leaf/rss-web-${position}`);
    const leaf = await sampleRss(processes);
    report.client_rss_after_leaf_mb = mean(leaf, 'rss_mb');
    if (traceModules) report.client_modules_after_leaf = moduleCounts(join(dir, `${names[0]}.modules`)).total;
  }
  if (loadSeconds > 0) {
    // wrk on the first client of each group, alternating groups each round so that a busy machine slows both alike.
    const rps = {};
    for (let round = 0; round < loadRounds; round++)
      for (const path of loadPaths)
        for (const group of groups) {
          const host = clientHost(processes.indexOf(members(group)[0]));
          const key = `${group}:${path}`;
          rps[key] = [...(rps[key] ?? []), await wrk(`http://${host}:8500${path}`)];
        }
    for (const group of groups) {
      const key = compareFlags === null ? 'client' : `client_${group}`;
      report[`${key}_rps`] = Object.fromEntries(loadPaths.map((path) => [path, median(rps[`${group}:${path}`])]));
      report[`${key}_rss_after_load_mb`] = mean(await sampleRss(members(group)), 'rss_mb');
    }
    report.load = `wrk -t1 -c${loadConnections} -d${loadSeconds}s, median of ${loadRounds} rounds`;
  }
  for (const child of processes) if (child.exitCode !== null) throw new Error(`a client exited (see ${dir})`);
  console.log(JSON.stringify(report));
} finally {
  await stopAll();
  if (env.KEEP_DIR !== '1') await rm(dir, { recursive: true, force: true });
  else progress(`logs kept in ${dir}`);
}
