// Raft write path, Lattice against etcd in the same run: three `lattice debug raft-kv` servers (level storage,
// gRPC transport, HTTP KV front) and a three-member etcd 3.4 cluster (Debian etcd-server, v3 JSON gateway), both
// on loopback, both loaded by the same closed-loop generator (../shared/anchors/lib/httpload.mjs) with 256-byte
// values at 1 and 64 clients against the leader, then the leader SIGKILLed and the first acknowledged write timed
// (FAILOVERS times: the killed member is restarted and rejoins, the next leader is killed; the median is reported,
// since one sample of a randomized election timeout spreads over a whole timeout).
// Both clusters run side by side and the load runs alternate between them (Lattice, etcd, Lattice, etcd...), so a
// change in background load hits both; each figure is the median of REPEATS runs. Lattice runs with etcd's timing
// (100 ms ticks, election after 10-20 ticks). etcd comes from Debian's etcd-server, installed here when missing
// (apt-get install, apt-get update only if that fails); when it cannot be had or does not start, the etcd side is
// {"error": "..."} and Lattice is still measured. Progress goes to stderr; the last stdout line is
// {"bench":"raft-kv","lattice":{...},"etcd":{...}} with the same figure names on both sides (issue 4): put_rps_c1,
// put_p50_ms_c1, put_p99_ms_c1, put_rps_c64, put_p99_ms_c64, failover_ms, rss_mb_leader.
// Env: DURATION_S (10), WARMUP_S (1), REPEATS (3), FAILOVERS (5), ANCHORS_DIR (../shared/anchors), BASELINE_ROOT (a checkout
// of another commit, built: its Lattice runs too, on 127.0.0.150-152, as "lattice_baseline", for an A/B in one run).

import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { etcdLeaderPosition, startEtcdCluster } from './etcd-cluster.js';
import { createBenchHarness, type LoadResult, median } from './harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const anchorsDir = process.env['ANCHORS_DIR'] ?? join(root, '..', 'shared', 'anchors');
const durationS = Number(process.env['DURATION_S'] ?? 10);
const warmupS = Number(process.env['WARMUP_S'] ?? 1);
const repeats = Number(process.env['REPEATS'] ?? 3);
const failovers = Number(process.env['FAILOVERS'] ?? 5);
const valueSizeBytes = 256;
const latticeHosts = ['127.5.0.1', '127.5.0.2', '127.5.0.3'];
const baselineHosts = ['127.0.0.150', '127.0.0.151', '127.0.0.152'];
const baselineRoot = process.env['BASELINE_ROOT'] ?? null;
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

/**
 * Kills the member at `leaderPosition` and probes a PUT every 25 ms at the survivors, alternating (1 s timeout
 * each): ms to the first success.
 */
async function timeFailover(system: System, leaderPosition: number): Promise<number> {
  const survivors = system.hosts.filter((_, position) => position !== leaderPosition);
  const startedMs = performance.now();
  system.members[leaderPosition]?.kill('SIGKILL');
  let firstOkMs: number | null = null;
  const probes: Promise<void>[] = [];
  for (let position = 0; firstOkMs === null && performance.now() - startedMs < waitDeadlineMs; position++) {
    probes.push(
      system.probePut(survivors[position % survivors.length] as string, position).then(
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
  readonly name: 'lattice' | 'lattice_baseline' | 'etcd';
  readonly hosts: readonly string[];
  /** The running process at each position (replaced when a killed member is restarted). */
  readonly members: ChildProcess[];
  /** Who led when the cluster started: the load runs against it. */
  readonly leaderPosition: number;
  /** httpload arguments that PUT a value through the leader. */
  readonly putArgs: readonly string[];
  /** One PUT through the member on `host`, true when acknowledged. */
  readonly probePut: (host: string, sequence: number) => Promise<boolean>;
  /** Position of the member that leads now, or null. */
  readonly findLeader: () => Promise<number | null>;
  /** Starts the member at `position` again on its data directory. */
  readonly restart: (position: number) => ChildProcess;
  /** True once the member at `position` follows a leader. */
  readonly followsLeader: (position: number) => Promise<boolean>;
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

async function startLattice(
  dataDir: string,
  name: 'lattice' | 'lattice_baseline' = 'lattice',
  latticeRoot = root,
  hosts: readonly string[] = latticeHosts,
): Promise<System> {
  const peers = hosts.map((host, position) => `n${position + 1}=${host}:8300`).join(',');
  const startServer = (position: number): ChildProcess => {
    const host = hosts[position] as string;
    return start(process.execPath, [
      join(latticeRoot, 'dist', 'bin', 'lattice.js'),
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
    ]);
  };
  const status = (position: number) =>
    getJson(`http://${hosts[position]}:8500/status`) as Promise<{ role?: string; leaderId?: string | null }>;
  const findLeader = async (): Promise<number | null> => {
    const statuses = await Promise.all(hosts.map((_, position) => status(position).catch(() => null)));
    const position = statuses.findIndex((found) => found?.role === 'leader');
    return position >= 0 ? position : null;
  };
  const members = hosts.map((_, position) => startServer(position));
  const leaderPosition = await waitUntil(`a ${name} leader`, findLeader);
  const leaderHost = hosts[leaderPosition] as string;
  progress(`${name} leader: ${leaderHost}`);
  return {
    name,
    hosts,
    members,
    leaderPosition,
    putArgs: ['--url', `http://${leaderHost}:8500/kv/{key}`, '--method', 'PUT'],
    probePut: async (host, sequence) => {
      const response = await fetch(`http://${host}:8500/kv/failover-probe`, {
        method: 'PUT',
        body: String(sequence),
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      return response.ok;
    },
    findLeader,
    restart: startServer,
    followsLeader: async (position) => {
      const found = await status(position);
      return found.role === 'follower' && typeof found.leaderId === 'string';
    },
  };
}

async function startEtcd(dataDir: string): Promise<System> {
  const cluster = await startEtcdCluster(harness, etcdHosts, dataDir, `bench-${process.pid}`);
  const leaderHost = etcdHosts[cluster.leaderPosition] as string;
  return {
    name: 'etcd',
    hosts: etcdHosts,
    members: [...cluster.members],
    leaderPosition: cluster.leaderPosition,
    putArgs: [
      '--url',
      `http://${leaderHost}:2379/v3/kv/put`,
      '--method',
      'POST',
      '--body-template',
      '{"key":"{key_b64}","value":"{value_b64}"}',
    ],
    probePut: async (host, sequence) => {
      const body = {
        key: Buffer.from('failover/probe').toString('base64'),
        value: Buffer.from(String(sequence)).toString('base64'),
      };
      const reply = (await getJson(`http://${host}:2379/v3/kv/put`, body)) as { error?: unknown };
      return reply.error === undefined;
    },
    findLeader: () => etcdLeaderPosition(etcdHosts),
    restart: cluster.restart,
    followsLeader: async (position) => {
      const reply = (await getJson(`http://${etcdHosts[position]}:2379/v3/maintenance/status`, {})) as {
        header?: { member_id?: string };
        leader?: string;
      };
      return reply.leader !== undefined && reply.leader !== '0' && reply.leader !== reply.header?.member_id;
    },
  };
}

/** FAILOVERS kills of the current leader, each timed; the killed member restarts and rejoins in between. */
async function timeFailovers(system: System): Promise<number[]> {
  const samples: number[] = [];
  let leaderPosition = system.leaderPosition;
  for (let round = 0; round < failovers; round++) {
    if (round > 0) leaderPosition = await waitUntil(`a ${system.name} leader`, system.findLeader);
    const failoverMs = await timeFailover(system, leaderPosition);
    progress(`${system.name} failover #${round + 1}: ${failoverMs} ms`);
    samples.push(failoverMs);
    if (round + 1 === failovers) break;
    const restarted = leaderPosition;
    system.members[restarted] = system.restart(restarted);
    await waitUntil(`${system.name} member ${restarted + 1} to rejoin`, async () =>
      (await system.followsLeader(restarted)) ? true : null,
    );
  }
  return samples;
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
  const failoverSamples: Partial<Record<System['name'], number[]>> = {};
  for (const system of systems) {
    const rss = await rssMb(system.members[system.leaderPosition]?.pid as number);
    const samples = await timeFailovers(system);
    for (const member of system.members) member.kill('SIGKILL');
    const measured = runs.get(system.name) as { c1: LoadResult[]; c64: LoadResult[] };
    out[system.name] = figures(measured.c1, measured.c64, median(samples), rss);
    errors[system.name] = errorCount(measured);
    failoverSamples[system.name] = samples;
  }
  return { out, errors, failoverSamples };
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
  if (baselineRoot !== null)
    systems.push(await startLattice(join(dataDir, 'baseline'), 'lattice_baseline', baselineRoot, baselineHosts));
  let etcdError = ensureEtcd();
  if (etcdError === null) {
    try {
      systems.push(await startEtcd(join(dataDir, 'etcd')));
    } catch (error) {
      etcdError = `etcd did not start: ${(error as Error).message}`;
    }
  }
  if (etcdError !== null) progress(`etcd side skipped: ${etcdError}`);
  const { out, errors, failoverSamples } = await measure(systems);
  const result = {
    bench: 'raft-kv',
    lattice: out.lattice,
    ...(baselineRoot === null ? {} : { lattice_baseline: out.lattice_baseline }),
    etcd: etcdError === null ? out.etcd : { error: etcdError },
    value_size_bytes: valueSizeBytes,
    duration_s: durationS,
    repeats,
    put_errors: errors,
    failover_samples_ms: failoverSamples,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  killAll();
  await pause(200);
  await rm(dataDir, { recursive: true, force: true });
}
