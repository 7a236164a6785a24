// Raft write path, Lattice against etcd in the same run: three `lattice debug raft-kv` servers (level storage,
// gRPC transport, HTTP KV front) and a three-member etcd 3.4 cluster (Debian etcd-server, v3 JSON gateway), both
// on loopback, both loaded by the same closed-loop generator (../shared/anchors/lib/httpload.mjs) with 256-byte
// values at 1 and 64 clients against the leader, then the leader SIGKILLed and the first acknowledged write timed.
// Both clusters run side by side and the load runs alternate between them (Lattice, etcd, Lattice, etcd...), so a
// change in background load hits both; each figure is the median of REPEATS runs. Lattice runs with etcd's timing
// (100 ms ticks, election after 10-20 ticks). etcd comes from Debian's etcd-server, installed here when missing
// (apt-get install, apt-get update only if that fails); when it cannot be had or does not start, the etcd side is
// {"error": "..."} and Lattice is still measured. Progress goes to stderr; the last stdout line is
// {"bench":"raft-kv","lattice":{...},"etcd":{...}} with the same figure names on both sides (issue 4): put_rps_c1,
// put_p50_ms_c1, put_p99_ms_c1, put_rps_c64, put_p99_ms_c64, failover_ms, rss_mb_leader.
// Env: DURATION_S (10), WARMUP_S (1), REPEATS (3), ANCHORS_DIR (../shared/anchors).

import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startEtcdCluster } from './etcd-cluster.js';
import { createBenchHarness, type LoadResult, median } from './harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const anchorsDir = process.env['ANCHORS_DIR'] ?? join(root, '..', 'shared', 'anchors');
const durationS = Number(process.env['DURATION_S'] ?? 10);
const warmupS = Number(process.env['WARMUP_S'] ?? 1);
const repeats = Number(process.env['REPEATS'] ?? 3);
const valueSizeBytes = 256;
const latticeHosts = ['127.5.0.1', '127.5.0.2', '127.5.0.3'];
const etcdHosts = ['127.2.0.1', '127.2.0.2', '127.2.0.3'];
const waitDeadlineMs = 30_000;

const harness = createBenchHarness({ name: 'raft-kv', anchorsDir, waitDeadlineMs, pollIntervalMs: 50 });
const { progress, killAll, waitUntil, runLoad } = harness;
const start = (command: string, args: readonly string[], logPath: string | null = null) =>
  harness.start(command, args, logPath !== null);

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

async function getJson(url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(1000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/** Kills the leader and probes a PUT every 25 ms at the survivors (1 s timeout each): ms to the first success. */
async function timeFailover(leader: ChildProcess, put: (position: number) => Promise<boolean>): Promise<number> {
  const startedMs = performance.now();
  leader.kill('SIGKILL');
  let firstOkMs: number | null = null;
  const probes: Promise<void>[] = [];
  for (let position = 0; firstOkMs === null && performance.now() - startedMs < waitDeadlineMs; position++) {
    probes.push(
      put(position).then(
        (ok) => {
          if (ok && firstOkMs === null) firstOkMs = performance.now() - startedMs;
        },
        () => undefined,
      ),
    );
    await pause(25);
  }
  await Promise.all(probes);
  if (firstOkMs === null) throw new Error('no write succeeded after the leader was killed');
  return Math.round(firstOkMs);
}

function figures(c1: readonly LoadResult[], c64: readonly LoadResult[], failoverMs: number, rssMbLeader: number) {
  return {
    put_rps_c1: median(c1.map((run) => run.rps)),
    put_p50_ms_c1: median(c1.map((run) => run.p50)),
    put_p99_ms_c1: median(c1.map((run) => run.p99)),
    put_rps_c64: median(c64.map((run) => run.rps)),
    put_p99_ms_c64: median(c64.map((run) => run.p99)),
    failover_ms: failoverMs,
    rss_mb_leader: rssMbLeader,
  };
}

const errorCount = (runs: { c1: LoadResult[]; c64: LoadResult[] }) =>
  [...runs.c1, ...runs.c64].reduce((sum, run) => sum + run.errors, 0);

/** True when an `etcd` binary runs; installs Debian's etcd-server first when it is missing. */
function ensureEtcd(): string | null {
  const works = () => spawnSync('etcd', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  if (works()) return null;
  progress('etcd missing: apt-get install -y etcd-server');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'etcd-server'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
      timeout: 300_000,
    }).status === 0;
  if (!install()) {
    progress('apt-get install failed: apt-get update, then again');
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
    install();
  }
  return works() ? null : 'etcd-server could not be installed (apt-get install -y etcd-server failed)';
}

/** A running three-member cluster, seen the same way for Lattice and etcd. */
interface System {
  readonly name: 'lattice' | 'etcd';
  readonly leader: ChildProcess;
  readonly members: readonly ChildProcess[];
  /** httpload arguments that PUT a value through the leader. */
  readonly putArgs: readonly string[];
  /** One PUT through a survivor of the leader's death (alternating), true when acknowledged. */
  readonly probePut: (position: number) => Promise<boolean>;
}

const loadArgs = (concurrency: number) => [
  '--body-size',
  String(valueSizeBytes),
  '--concurrency',
  String(concurrency),
  '--duration',
  String(durationS),
  '--warmup',
  String(warmupS),
  '--keys',
  '1000',
  '--key-prefix',
  'bench/',
];

async function startLattice(dataDir: string): Promise<System> {
  const peers = latticeHosts.map((host, position) => `n${position + 1}=${host}:8300`).join(',');
  const servers = latticeHosts.map((host, position) =>
    start(process.execPath, [
      join(root, 'dist', 'bin', 'lattice.js'),
      'debug',
      'raft-kv',
      '--id',
      `n${position + 1}`,
      '--bind',
      `${host}:8300`,
      '--peers',
      peers,
      '--data-dir',
      join(dataDir, `n${position + 1}`),
      '--http',
      `${host}:8500`,
      '--tick-ms',
      '100',
      '--log-level',
      'WARN',
    ]),
  );
  const leaderPosition = await waitUntil('a Lattice leader', async () => {
    const statuses = await Promise.all(
      latticeHosts.map((host) => getJson(`http://${host}:8500/status`).catch(() => null)),
    );
    const position = statuses.findIndex((status) => (status as { role?: string } | null)?.role === 'leader');
    return position >= 0 ? position : null;
  });
  const leaderHost = latticeHosts[leaderPosition] as string;
  progress(`lattice leader: ${leaderHost}`);
  const survivors = latticeHosts.filter((_, position) => position !== leaderPosition);
  return {
    name: 'lattice',
    leader: servers[leaderPosition] as ChildProcess,
    members: servers,
    putArgs: ['--url', `http://${leaderHost}:8500/kv/{key}`, '--method', 'PUT'],
    probePut: async (position) => {
      const host = survivors[position % survivors.length] as string;
      const response = await fetch(`http://${host}:8500/kv/failover-probe`, {
        method: 'PUT',
        body: String(position),
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      return response.ok;
    },
  };
}

async function startEtcd(dataDir: string): Promise<System> {
  const { members, leaderPosition } = await startEtcdCluster(harness, etcdHosts, dataDir, `bench-${process.pid}`);
  const leaderHost = etcdHosts[leaderPosition] as string;
  const survivors = etcdHosts.filter((_, position) => position !== leaderPosition);
  return {
    name: 'etcd',
    leader: members[leaderPosition] as ChildProcess,
    members,
    putArgs: [
      '--url',
      `http://${leaderHost}:2379/v3/kv/put`,
      '--method',
      'POST',
      '--body-template',
      '{"key":"{key_b64}","value":"{value_b64}"}',
    ],
    probePut: async (position) => {
      const host = survivors[position % survivors.length] as string;
      const body = {
        key: Buffer.from('failover/probe').toString('base64'),
        value: Buffer.from(String(position)).toString('base64'),
      };
      const reply = (await getJson(`http://${host}:2379/v3/kv/put`, body)) as { error?: unknown };
      return reply.error === undefined;
    },
  };
}

async function measure(systems: readonly System[]) {
  const runs = new Map(systems.map((system) => [system.name, { c1: [] as LoadResult[], c64: [] as LoadResult[] }]));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const concurrency of [1, 64] as const) {
      for (const system of systems) {
        const label = `${system.name} put c${concurrency} #${repeat + 1}`;
        const result = await runLoad(label, [...system.putArgs, ...loadArgs(concurrency)]);
        runs.get(system.name)?.[concurrency === 1 ? 'c1' : 'c64'].push(result);
      }
    }
  }
  const out: Partial<Record<System['name'], ReturnType<typeof figures>>> = {};
  const errors: Partial<Record<System['name'], number>> = {};
  for (const system of systems) {
    const rss = await rssMb(system.leader.pid as number);
    const failoverMs = await timeFailover(system.leader, system.probePut);
    progress(`${system.name} failover: ${failoverMs} ms`);
    for (const member of system.members) member.kill('SIGKILL');
    const measured = runs.get(system.name) as { c1: LoadResult[]; c64: LoadResult[] };
    out[system.name] = figures(measured.c1, measured.c64, failoverMs, rss);
    errors[system.name] = errorCount(measured);
  }
  return { out, errors };
}

const dataDir = await mkdtemp(join(tmpdir(), 'lattice-bench-raft-'));
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
try {
  const systems: System[] = [await startLattice(join(dataDir, 'lattice'))];
  let etcdError = ensureEtcd();
  if (etcdError === null) {
    try {
      systems.push(await startEtcd(join(dataDir, 'etcd')));
    } catch (error) {
      etcdError = `etcd did not start: ${(error as Error).message}`;
    }
  }
  if (etcdError !== null) progress(`etcd side skipped: ${etcdError}`);
  const { out, errors } = await measure(systems);
  const result = {
    bench: 'raft-kv',
    lattice: out.lattice,
    etcd: etcdError === null ? out.etcd : { error: etcdError },
    value_size_bytes: valueSizeBytes,
    duration_s: durationS,
    repeats,
    put_errors: errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  killAll();
  await pause(200);
  await rm(dataDir, { recursive: true, force: true });
}
