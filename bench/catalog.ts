// The catalog under load, through the Consul-compatible HTTP API of a three-server cluster started with the CLI
// (`lattice agent -server -bootstrap-expect=3` on 127.0.0.40-42, real data dirs): register INSTANCES service
// instances with PUT /v1/catalog/register at REGISTER_CONCURRENCY (register_per_s); park WATCHERS blocking queries
// on one service's /v1/health/service (spread over the three agents), change that service and time each watcher's
// answer from the write (watch_fanout_p50_ms / _p99_ms over WATCH_ROUNDS rounds); read a 100-instance service at
// READ_CONCURRENCY for READ_S seconds (health_service_rps); and the leader's resident memory (rss_mb_leader).
// There is no Consul binary on this machine, so only Lattice's figures are printed. Progress goes to stderr; the
// last stdout line is {"bench":"catalog","lattice":{...}}.
// One watch round runs first as a warm-up (connections, JIT) and is reported on stderr but not counted.
// Env: INSTANCES (10000), REGISTER_CONCURRENCY (64), WATCHERS (1000), WATCH_ROUNDS (5), READ_CONCURRENCY (32),
// READ_S (5), SERVER_NODE_ARGS (extra node flags for the three servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof";
// the servers get SIGTERM at the end so a profile is written).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const instances = Number(process.env['INSTANCES'] ?? 10_000);
const registerConcurrency = Number(process.env['REGISTER_CONCURRENCY'] ?? 64);
const watchers = Number(process.env['WATCHERS'] ?? 1_000);
const watchRounds = Number(process.env['WATCH_ROUNDS'] ?? 5);
const readConcurrency = Number(process.env['READ_CONCURRENCY'] ?? 32);
const readS = Number(process.env['READ_S'] ?? 5);
const serverNodeArgs = (process.env['SERVER_NODE_ARGS'] ?? '').split(' ').filter((word) => word !== '');
const hosts = ['127.0.0.40', '127.0.0.41', '127.0.0.42'];
/** Instances are spread over this many nodes and services: 100 instances per service at the default size. */
const nodeCount = 100;
const serviceCount = 100;
const startDeadlineMs = 60_000;
const requestTimeoutMs = 30_000;
/** A watcher waits this long at most; a round's change comes within seconds, so none should time out. */
const watchWaitS = 120;
/** Every phase stops here even if the cluster misbehaves: the bench is bounded in time. */
const phaseDeadlineMs = 180_000;
/** How long the servers get to stop cleanly at the end before they are killed. */
const stopGraceMs = 10_000;

const progress = (message: string): void => {
  process.stderr.write(`[catalog] ${message}\n`);
};

const children: ChildProcess[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

function http(method: string, host: string, path: string, body?: string, timeoutMs = requestTimeoutMs) {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const outgoing = request(
      {
        host,
        port: 8500,
        method,
        path,
        agent,
        timeout: timeoutMs,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${host}${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function waitUntil<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const startedMs = performance.now();
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (performance.now() - startedMs > startDeadlineMs) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, position)] as number) * 10) / 10;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

async function startCluster(dataDir: string): Promise<{ leaderHost: string; leader: ChildProcess }> {
  const servers = hosts.map((host, position) => {
    const child = spawn(
      process.execPath,
      [
        ...serverNodeArgs,
        join(root, 'dist', 'bin', 'lattice.js'),
        'agent',
        '-server',
        '-bootstrap-expect=3',
        `-bind=${host}`,
        `-client=${host}`,
        ...hosts.filter((other) => other !== host).map((other) => `-retry-join=${other}`),
        '-retry-interval=1s',
        `-data-dir=${join(dataDir, `s${position}`)}`,
        `-node=bench-server-${position}`,
        '-log-level=WARN',
        // The watchers all come from one address; Consul's default of 200 connections per client would answer 429.
        '-hcl=limits { http_max_conns_per_client = 0 }',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => process.stderr.write(`[s${position}] ${chunk}`));
    children.push(child);
    return child;
  });
  const leaderAddress = await waitUntil('one leader known to all three servers', async () => {
    const leaders = await Promise.all(hosts.map((host) => http('GET', host, '/v1/status/leader', undefined, 2000)));
    const names = leaders.map((answer) => (answer.status === 200 ? (JSON.parse(answer.body) as string) : ''));
    return names[0] && names.every((name) => name === names[0]) ? names[0] : null;
  });
  const leaderHost = leaderAddress.split(':')[0] as string;
  const position = hosts.indexOf(leaderHost);
  if (position < 0) throw new Error(`leader ${leaderAddress} is none of ${hosts.join(', ')}`);
  progress(`cluster up, leader ${leaderAddress}`);
  return { leaderHost, leader: servers[position] as ChildProcess };
}

function registration(position: number): string {
  const node = position % nodeCount;
  return JSON.stringify({
    Node: `bench-node-${node}`,
    Address: `10.${Math.floor(node / 250)}.${node % 250}.1`,
    NodeMeta: { rack: `r${node % 4}` },
    Service: {
      ID: `svc-${position % serviceCount}-${position}`,
      Service: `svc-${position % serviceCount}`,
      Port: 20_000 + (position % 10_000),
      Tags: ['bench', `v${position % 3}`],
      Meta: { shard: String(position % 16) },
    },
    Check: {
      CheckID: `svc-${position}-alive`,
      Name: 'alive',
      ServiceID: `svc-${position % serviceCount}-${position}`,
      Status: 'passing',
    },
  });
}

async function registerAll(): Promise<{ registerPerS: number; errors: number }> {
  let next = 0;
  let done = 0;
  let errors = 0;
  const startedMs = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const position = next++;
      if (position >= instances || performance.now() - startedMs > phaseDeadlineMs) return;
      const host = hosts[position % hosts.length] as string;
      const answer = await http('PUT', host, '/v1/catalog/register', registration(position)).catch(() => null);
      if (answer?.status !== 200) errors++;
      done++;
      if (done % 1000 === 0) progress(`registered ${done}/${instances}`);
    }
  };
  await Promise.all(Array.from({ length: registerConcurrency }, worker));
  const elapsedS = (performance.now() - startedMs) / 1000;
  return { registerPerS: Math.round((done - errors) / elapsedS), errors };
}

interface WatchRound {
  readonly latenciesMs: number[];
  readonly early: number;
  readonly failed: number;
}

/** Parks `watchers` blocking queries at the service's current index, writes once, times every answer. */
async function watchRound(round: number): Promise<WatchRound> {
  const current = await http('GET', hosts[0] as string, '/v1/health/service/watched');
  const index = Number(current.headers['x-consul-index']);
  let sent = 0;
  let changeAtMs = Number.POSITIVE_INFINITY;
  const latenciesMs: number[] = [];
  let early = 0;
  let failed = 0;
  const answers = Array.from({ length: watchers }, (_, position) => {
    const host = hosts[position % hosts.length] as string;
    return new Promise<void>((resolve) => {
      const outgoing = request(
        { host, port: 8500, path: `/v1/health/service/watched?index=${index}&wait=${watchWaitS}s`, agent },
        (response) => {
          response.resume();
          response.on('end', () => {
            const answeredMs = performance.now();
            const newIndex = Number(response.headers['x-consul-index']);
            if (response.statusCode !== 200) failed++;
            else if (answeredMs < changeAtMs || newIndex <= index) early++;
            else latenciesMs.push(answeredMs - changeAtMs);
            resolve();
          });
        },
      );
      outgoing.setTimeout((watchWaitS + 30) * 1000, () => outgoing.destroy(new Error('watcher timed out')));
      outgoing.on('finish', () => {
        sent++;
      });
      outgoing.on('error', () => {
        failed++;
        resolve();
      });
      outgoing.end();
    });
  });
  await waitUntil('every watcher sent', async () => (sent === watchers ? true : null));
  // Sent is not parked: give the agents a moment to read and forward the last requests. A late one still answers
  // after the change (its index is then behind), so this only keeps the measurement from starting mid-send.
  await pause(1000);
  changeAtMs = performance.now();
  await http(
    'PUT',
    hosts[round % hosts.length] as string,
    '/v1/catalog/register',
    JSON.stringify({
      Node: 'bench-watch',
      Address: '10.99.0.1',
      Service: { ID: `watched-${round}`, Service: 'watched', Port: 7000 + round },
    }),
  );
  await Promise.race([Promise.all(answers), pause(phaseDeadlineMs)]);
  latenciesMs.sort((a, b) => a - b);
  progress(
    `watch round ${round === 0 ? '0 (warm-up)' : round}: ${latenciesMs.length} answered, p50 ${percentile(latenciesMs, 0.5)} ms, ` +
      `p99 ${percentile(latenciesMs, 0.99)} ms, max ${percentile(latenciesMs, 1)} ms, early ${early}, failed ${failed}`,
  );
  return { latenciesMs, early, failed };
}

async function readLoad(): Promise<{ rps: number; errors: number; p99Ms: number }> {
  const stopAtMs = performance.now() + readS * 1000;
  let ok = 0;
  let errors = 0;
  const latenciesMs: number[] = [];
  let turn = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < stopAtMs) {
      const host = hosts[turn++ % hosts.length] as string;
      const startedMs = performance.now();
      const answer = await http('GET', host, '/v1/health/service/svc-0').catch(() => null);
      if (answer?.status === 200) {
        ok++;
        latenciesMs.push(performance.now() - startedMs);
      } else errors++;
    }
  };
  const startedMs = performance.now();
  await Promise.all(Array.from({ length: readConcurrency }, worker));
  latenciesMs.sort((a, b) => a - b);
  return {
    rps: Math.round(ok / ((performance.now() - startedMs) / 1000)),
    errors,
    p99Ms: percentile(latenciesMs, 0.99),
  };
}

/** SIGTERM first so an agent run with --cpu-prof writes its profile on the way out; SIGKILL what is left after 10 s. */
async function stopChildren(): Promise<void> {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
  for (const child of running) child.kill('SIGTERM');
  await Promise.race([Promise.all(exited), pause(stopGraceMs)]);
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lattice-bench-catalog-'));
  try {
    const { leaderHost, leader } = await startCluster(dataDir);
    progress(`registering ${instances} instances at concurrency ${registerConcurrency}`);
    const registered = await registerAll();
    progress(`register_per_s ${registered.registerPerS} (errors ${registered.errors})`);
    const count = await http('GET', leaderHost, '/v1/health/service/svc-0');
    progress(`svc-0 has ${(JSON.parse(count.body) as unknown[]).length} instances`);

    await http(
      'PUT',
      leaderHost,
      '/v1/catalog/register',
      JSON.stringify({
        Node: 'bench-watch',
        Address: '10.99.0.1',
        Service: { ID: 'watched', Service: 'watched', Port: 7000 },
      }),
    );
    const all: number[] = [];
    let early = 0;
    let failed = 0;
    await watchRound(0);
    for (let round = 1; round <= watchRounds; round++) {
      const result = await watchRound(round);
      all.push(...result.latenciesMs);
      early += result.early;
      failed += result.failed;
    }
    all.sort((a, b) => a - b);

    progress(`reading /v1/health/service/svc-0 at concurrency ${readConcurrency} for ${readS} s`);
    const reads = await readLoad();
    progress(`health_service_rps ${reads.rps} (p99 ${reads.p99Ms} ms, errors ${reads.errors})`);
    const rss = await rssMb(leader.pid as number);

    const lattice = {
      register_per_s: registered.registerPerS,
      register_errors: registered.errors,
      watch_fanout_p50_ms: percentile(all, 0.5),
      watch_fanout_p99_ms: percentile(all, 0.99),
      watch_fanout_max_ms: percentile(all, 1),
      watch_answered: all.length,
      watch_early: early,
      watch_failed: failed,
      health_service_rps: reads.rps,
      health_service_p99_ms: reads.p99Ms,
      rss_mb_leader: rss,
    };
    process.stdout.write(`${JSON.stringify({ bench: 'catalog', lattice })}\n`);
  } finally {
    await stopChildren();
    agent.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
