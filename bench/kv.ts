// KV through the HTTP API, Lattice against etcd in the same run (issue 7): three `lattice agent -server
// -bootstrap-expect=3` processes (level storage, gRPC Raft) and a three-member etcd cluster (Debian etcd-server,
// v3 JSON gateway), on loopback, loaded by the same closed-loop generator (../shared/anchors/lib/httpload.mjs)
// against each cluster's leader with 256-byte values over 1000 keys: PUT at 1/16/64/256 clients, then GET at 64
// clients in the default mode (Lattice: leader read; etcd: linearizable range) and stale (Lattice `?stale`;
// etcd serializable). Load runs alternate between the systems so background load hits both; each figure is the
// median of REPEATS runs. When etcd cannot be had the etcd side is {"error": "..."}. Progress goes to stderr; the
// last stdout line is {"bench":"kv","lattice":{...},"etcd":{...}} with put_rps_cN, put_p99_ms_cN, get_rps_c64,
// get_stale_rps_c64 on both sides. Env: DURATION_S (10), WARMUP_S (1), REPEATS (3), ANCHORS_DIR; to iterate
// faster, SYSTEMS (lattice,etcd), PUT_CONCURRENCIES (1,16,64,256) and GETS (1; 0 skips the GET runs): an official
// figure uses the defaults. Lattice runs with limits.http_max_conns_per_client = 0 (the 256 clients share one
// address). BASELINE_ROOT (a checkout of another commit, built): its Lattice runs too, on 127.3.2.x,
// as "lattice_baseline", alternating with the others, for an A/B in one run.

import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
const keyCount = 1000;
const putConcurrencies = listEnv('PUT_CONCURRENCIES', '1,16,64,256').map(Number);
const systemNames = listEnv('SYSTEMS', 'lattice,etcd');
const runGets = process.env['GETS'] !== '0';
const getConcurrency = 64;
const latticeHosts = ['127.3.1.1', '127.3.1.2', '127.3.1.3'];
const baselineHosts = ['127.3.2.1', '127.3.2.2', '127.3.2.3'];
const baselineRoot = process.env['BASELINE_ROOT'] ?? null;
const etcdHosts = ['127.3.0.1', '127.3.0.2', '127.3.0.3'];
const waitDeadlineMs = 60_000;

/** A comma-separated env list, checked: a typo must not quietly measure something else. */
function listEnv(name: string, fallback: string): string[] {
  const items = (process.env[name] ?? fallback).split(',').map((item) => item.trim());
  const allowed: Record<string, readonly string[]> = {
    PUT_CONCURRENCIES: ['1', '16', '64', '256'],
    SYSTEMS: ['lattice', 'etcd'],
  };
  const bad = items.filter((item) => !allowed[name]?.includes(item));
  if (items.length === 0 || bad.length > 0) throw new Error(`${name}: ${bad.join(',')} not among ${allowed[name]}`);
  return items;
}

const harness = createBenchHarness({ name: 'kv', anchorsDir, waitDeadlineMs, pollIntervalMs: 100 });
const { progress, killAll, waitUntil, runLoad } = harness;
const start = (command: string, args: readonly string[]) => harness.start(command, args);

const keyArgs = ['--keys', String(keyCount), '--key-prefix', 'bench/', '--body-size', String(valueSizeBytes)];
const timing = (concurrency: number) => [
  '--concurrency',
  String(concurrency),
  '--duration',
  String(durationS),
  '--warmup',
  String(warmupS),
];

/** One system's ways to be loaded: PUT, GET (default mode) and stale GET, all against its leader. */
interface System {
  readonly name: 'lattice' | 'lattice_baseline' | 'etcd';
  readonly members: readonly ChildProcess[];
  readonly putArgs: readonly string[];
  readonly getArgs: readonly string[];
  readonly staleGetArgs: readonly string[];
}

async function startLattice(
  dataDir: string,
  name: 'lattice' | 'lattice_baseline' = 'lattice',
  checkout = root,
  hosts = latticeHosts,
): Promise<System> {
  const members = hosts.map((host, position) =>
    start(process.execPath, [
      join(checkout, 'dist', 'bin', 'lattice.js'),
      'agent',
      '-server',
      '-bootstrap-expect=3',
      `-bind=${host}`,
      `-client=${host}`,
      `-node=kv-${name}-${position + 1}`,
      `-data-dir=${join(dataDir, `n${position + 1}`)}`,
      `-retry-join=${hosts[0]}`,
      '-log-level=WARN',
      // The load generator's 256 connections all come from one address, past Consul's default per-client limit
      // (limits.http_max_conns_per_client = 200, which answers the rest 429); etcd has no such limit.
      '-hcl=limits { http_max_conns_per_client = 0 }',
    ]),
  );
  const leaderHost = await waitUntil('a Lattice leader', async () => {
    const response = await fetch(`http://${hosts[0]}:8500/v1/status/leader`, {
      signal: AbortSignal.timeout(1000),
    });
    const leader = (await response.json()) as string;
    return leader === '' ? null : (leader.split(':')[0] ?? null);
  });
  // Ready for KV once a write through the leader's agent is acknowledged.
  await waitUntil('a KV write', async () => {
    const response = await fetch(`http://${leaderHost}:8500/v1/kv/bench-ready`, {
      method: 'PUT',
      body: 'x',
      signal: AbortSignal.timeout(2000),
    });
    return response.ok ? true : null;
  });
  progress(`${name} leader: ${leaderHost}`);
  const kvUrl = `http://${leaderHost}:8500/v1/kv/{key}`;
  return {
    name,
    members,
    putArgs: ['--url', kvUrl, '--method', 'PUT'],
    getArgs: ['--url', kvUrl, '--method', 'GET'],
    staleGetArgs: ['--url', `${kvUrl}?stale`, '--method', 'GET'],
  };
}

/** True when an `etcd` binary runs (Debian etcd-server); this bench does not install it. */
function etcdMissing(): string | null {
  const works = spawnSync('etcd', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return works ? null : 'etcd is not installed (Debian etcd-server)';
}

async function startEtcd(dataDir: string): Promise<System> {
  const { members, leaderPosition } = await startEtcdCluster(harness, etcdHosts, dataDir, `kv-bench-${process.pid}`);
  const leaderHost = etcdHosts[leaderPosition] as string;
  const base = `http://${leaderHost}:2379/v3/kv`;
  return {
    name: 'etcd',
    members,
    putArgs: [
      '--url',
      `${base}/put`,
      '--method',
      'POST',
      '--body-template',
      '{"key":"{key_b64}","value":"{value_b64}"}',
    ],
    getArgs: ['--url', `${base}/range`, '--method', 'POST', '--body-template', '{"key":"{key_b64}"}'],
    staleGetArgs: [
      '--url',
      `${base}/range`,
      '--method',
      'POST',
      '--body-template',
      '{"key":"{key_b64}","serializable":true}',
    ],
  };
}

type Figures = Record<string, number>;

async function measure(systems: readonly System[]): Promise<Map<string, { figures: Figures; errors: number }>> {
  const samples = new Map(systems.map((system) => [system.name, new Map<string, LoadResult[]>()]));
  const record = (system: System, name: string, result: LoadResult): void => {
    const runs = samples.get(system.name) as Map<string, LoadResult[]>;
    runs.set(name, [...(runs.get(name) ?? []), result]);
  };
  // Every key exists before any GET is timed.
  for (const system of systems)
    await runLoad(`${system.name} prefill`, [
      ...system.putArgs,
      ...keyArgs,
      '--concurrency',
      '16',
      '--max-requests',
      String(keyCount),
      '--duration',
      '60',
    ]);
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const concurrency of putConcurrencies)
      for (const system of systems)
        record(
          system,
          `put_c${concurrency}`,
          await runLoad(`${system.name} put c${concurrency} #${repeat + 1}`, [
            ...system.putArgs,
            ...keyArgs,
            ...timing(concurrency),
          ]),
        );
    if (runGets)
      for (const [name, args] of [
        ['get', (system: System) => system.getArgs],
        ['get_stale', (system: System) => system.staleGetArgs],
      ] as const)
        for (const system of systems)
          record(
            system,
            `${name}_c${getConcurrency}`,
            await runLoad(`${system.name} ${name} c${getConcurrency} #${repeat + 1}`, [
              ...args(system),
              ...keyArgs,
              ...timing(getConcurrency),
            ]),
          );
  }
  const out = new Map<string, { figures: Figures; errors: number }>();
  for (const system of systems) {
    const runs = samples.get(system.name) as Map<string, LoadResult[]>;
    const figures: Figures = {};
    let errors = 0;
    for (const concurrency of putConcurrencies) {
      const put = runs.get(`put_c${concurrency}`) ?? [];
      figures[`put_rps_c${concurrency}`] = median(put.map((run) => run.rps));
      figures[`put_p99_ms_c${concurrency}`] = median(put.map((run) => run.p99));
    }
    if (runGets) {
      figures[`get_rps_c${getConcurrency}`] = median((runs.get(`get_c${getConcurrency}`) ?? []).map((run) => run.rps));
      figures[`get_stale_rps_c${getConcurrency}`] = median(
        (runs.get(`get_stale_c${getConcurrency}`) ?? []).map((run) => run.rps),
      );
    }
    for (const list of runs.values()) for (const run of list) errors += run.errors;
    out.set(system.name, { figures, errors });
  }
  return out;
}

const dataDir = await mkdtemp(join(tmpdir(), 'lattice-bench-kv-'));
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
try {
  const systems: System[] = systemNames.includes('lattice') ? [await startLattice(join(dataDir, 'lattice'))] : [];
  if (baselineRoot !== null)
    systems.push(await startLattice(join(dataDir, 'baseline'), 'lattice_baseline', baselineRoot, baselineHosts));
  let etcdError = systemNames.includes('etcd') ? etcdMissing() : 'not asked for (SYSTEMS)';
  if (etcdError === null) {
    try {
      systems.push(await startEtcd(join(dataDir, 'etcd')));
    } catch (error) {
      etcdError = `etcd did not start: ${(error as Error).message}`;
    }
  }
  if (etcdError !== null) progress(`etcd side skipped: ${etcdError}`);
  const measured = await measure(systems);
  const result = {
    bench: 'kv',
    lattice: measured.get('lattice')?.figures ?? { error: 'not asked for (SYSTEMS)' },
    ...(baselineRoot === null ? {} : { lattice_baseline: measured.get('lattice_baseline')?.figures }),
    etcd: etcdError === null ? measured.get('etcd')?.figures : { error: etcdError },
    value_size_bytes: valueSizeBytes,
    duration_s: durationS,
    repeats,
    errors: Object.fromEntries([...measured].map(([name, entry]) => [name, entry.errors])),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  killAll();
  await pause(200);
  await rm(dataDir, { recursive: true, force: true });
}
