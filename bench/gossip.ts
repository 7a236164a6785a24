// Gossip membership, Lattice against serf in the same run (issue 5). For each pool size N (20, 50, 100) it starts N
// Debian `serf agent` processes (LAN profile) on 127.1.50.x and N `lattice agent` client processes (LAN timing, no
// server) on 127.1.100.x, one loopback address per agent, and measures both the same way:
// - converge_ms_nN: all agents but the seed join the seed at the same moment (serf: RPC `join`, as the anchor's bulk
//   join; Lattice: PUT /v1/agent/join/<seed>), until every agent sees N alive members and none failed or left
//   (serf: RPC `stats`; Lattice: GET /v1/agent/members), polled only on agents that have not converged yet;
// - udp_bytes_per_s_nN / tcp_bytes_per_s_nN: after 5 s of quiet, tcpdump on lo on the pool's gossip port and
//   addresses, IPv4 bytes with headers, each packet counted once (the anchor's method), for BW_SECONDS or one
//   push-pull interval at N (memberlist's pushPullScale: 30 s up to 32 agents, 60 s at 50, 90 s at 100), whichever
//   is longer; no polling during the window. UDP: bytes / N / seconds. TCP is almost only push-pull, one exchange
//   per agent per interval once running, but memberlist's first push-pull comes a stagger plus a whole interval
//   after start while Lattice's comes within the first interval, so a window soon after the join holds a different
//   share of each system's exchanges. So tcp_bytes_per_s_nN is the steady-state rate: mean bytes per TCP
//   connection in the window (tcp_bytes_per_push_pull_nN, both directions, headers included) / the interval;
//   tcp_bytes_per_s_window_nN is the raw bytes / N / seconds of the window and tcp_connections_nN its count;
// - rss_mb_nN: mean VmRSS of the agent processes (MiB);
// - event_ms_nN: a user event (coalesce off) fired at one agent until all N received it, median of EVENT_REPS.
//   serf: RPC `event` at n0, arrivals seen through RPC `stream` subscriptions on every agent. Lattice: PUT
//   /v1/event/fire/bench at n0, arrivals seen through a blocking GET /v1/event/list?name=bench&index= held open on
//   every agent (it answers as soon as the agent accepts a new event);
// - detect_ms_nN: the median of DETECT_SAMPLES failure detections, each one SIGKILL of an agent and the time until
//   every surviving agent reports it failed (the max over survivors); the samples, in kill order, go under
//   detect_samples_ms_nN. The victims are distinct and the same positions in both pools — n(N-1), then n(N-2), ...
//   (never the seed n0) — killed one after another: the next kill comes DETECT_GAP_S after every survivor marked
//   the previous victim failed, so each sample starts from a settled pool (the dead broadcast spent; the probers
//   that missed the victim's nacks, +3 each, healthy again after three answered probes). One SIGKILL per N (the
//   method before) left the comparison to a single draw of where the victim sits in each prober's round-robin
//   order and how fast the confirmations arrive: runs swung by ±15% either way between the two systems, which run
//   the same SWIM+Lifeguard timing. Each survivor's verdict is pushed to the bench, not polled, and timed on
//   arrival: serf's through an RPC `stream` of member-failed events, Lattice's through a GET
//   /v1/agent/monitor?loglevel=info stream (its `serf: EventMemberFailed: <name>` line), both armed on every
//   survivor before the kill. Polling members (the method before) put the observer inside the figure unevenly: a
//   round of 49 GET /v1/agent/members took 300-460 ms on a loaded machine against 7-15 ms for serf's RPC
//   members-filtered, and 500 requests a second took CPU from the agents being measured. After each sample one
//   poll of every survivor's members list checks that it agrees (a disagreement is printed).
//   detect_degraded_agents_nN counts, per sample, the survivors whose Lifeguard health score was above 0 at the
//   kill (serf: RPC stats health_score; Lattice: the consul_memberlist_health_score metric): a degraded agent waits
//   (score + 1) probe intervals before it suspects, so when many are, the victim is suspected and confirmed later
//   (an agent starved of CPU misses acks); detect_loadavg_nN is the machine's 1-minute load average at each kill.
//   The two count dead members toward the suspicion timeout's log10(n) differently (memberlist until reaped 30 s
//   later, Lattice live members only), so at sample k Lattice's minimum timeout is log10(N-k)/log10(N) of serf's:
//   at N = 50, 1% shorter for the median sample.
// Then the simulator's figures (`lattice simulate gossip --nodes 1000|5000 --format json`) go under lattice.sim_*.
// serf and tcpdump are installed when missing (apt-get install, apt-get update only if that fails); without serf the
// serf side is {"error": "..."}. Only processes this bench started are killed at exit; every wait is bounded.
// Progress goes to stderr; the last stdout line is {"bench":"gossip","lattice":{...},"serf":{...}}.
// Env: SIZES (20,50,100), SYSTEMS (serf,lattice), BW_SECONDS (20), EVENT_REPS (3), CONVERGE_TIMEOUT_S (180),
// DETECT_SAMPLES (3), DETECT_GAP_S (5), DETECT_TIMEOUT_S (60, per sample), SIM_NODES (1000,5000; empty skips),
// SIM_TIMEOUT_S (1500), SIM_SEED (1), SIM_HEAP_MB (12288), SERF_TAGS (consul: serf agents carry a Consul client's
// 11 tags, as Lattice agents do; none), ANCHORS_DIR,
// ADDRESS_BLOCK (unset: 127.1.50+.y and 127.1.100+.y as above; "a.b.c": one /24 shared by both pools, serf on
// a.b.c.1..100, Lattice on a.b.c.101..200, for N up to 100 — the pools are told apart by port — so a run can stay
// inside a loopback range given to it).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, type ClientRequest, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LAN, pushPullIntervalMs } from '../gossip/core/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = process.env;
const anchorsDir = env['ANCHORS_DIR'] ?? join(root, '..', 'shared', 'anchors');
const sizes = (env['SIZES'] ?? '20,50,100').split(',').filter(Boolean).map(Number);
if (env['ADDRESS_BLOCK'] !== undefined && sizes.some((n) => n > 100))
  throw new Error('with ADDRESS_BLOCK each pool has 100 addresses: SIZES must be at most 100');
const systemsWanted = new Set((env['SYSTEMS'] ?? 'serf,lattice').split(','));
const bwSeconds = Number(env['BW_SECONDS'] ?? 20);
const eventReps = Number(env['EVENT_REPS'] ?? 3);
const convergeTimeoutMs = Number(env['CONVERGE_TIMEOUT_S'] ?? 180) * 1000;
const detectTimeoutMs = Number(env['DETECT_TIMEOUT_S'] ?? 60) * 1000;
const detectSamples = Number(env['DETECT_SAMPLES'] ?? 3);
const detectGapMs = Number(env['DETECT_GAP_S'] ?? 5) * 1000;
if (!Number.isSafeInteger(detectSamples) || detectSamples < 1)
  throw new Error(`DETECT_SAMPLES must be a positive integer, not ${env['DETECT_SAMPLES']}`);
if (sizes.some((n) => n - 2 < detectSamples))
  throw new Error(
    `DETECT_SAMPLES (${detectSamples}) needs at least that many agents besides the seed and one survivor`,
  );
if (!Number.isFinite(detectGapMs) || detectGapMs < 0)
  throw new Error(`DETECT_GAP_S must be a non-negative number, not ${env['DETECT_GAP_S']}`);
const simNodes = (env['SIM_NODES'] ?? '1000,5000').split(',').filter(Boolean).map(Number);
const simTimeoutMs = Number(env['SIM_TIMEOUT_S'] ?? 1500) * 1000;
const simSeed = Number(env['SIM_SEED'] ?? 1);
const serfTags = env['SERF_TAGS'] ?? 'consul';
if (serfTags !== 'consul' && serfTags !== 'none') throw new Error(`SERF_TAGS must be consul or none, not ${serfTags}`);
/** The 5,000-node simulation holds every node's full member table in one heap: Node's default ~4 GB is too small. */
const simHeapMb = Number(env['SIM_HEAP_MB'] ?? 12_288);
const settleMs = 5_000;
const startTimeoutMs = 180_000;
const eventTimeoutMs = 20_000;
/** Third octets: serf on 127.1.50+.y, Lattice agents on 127.1.100+.y. */
const nets = { serf: 50, lattice: 100 } as const;
const ports = { serf: 7946, serfRpc: 7373, lattice: 8301, latticeHttp: 8500 } as const;

const progress = (message: string): void => {
  process.stderr.write(`[gossip] ${message}\n`);
};
const round1 = (value: number) => Math.round(value * 10) / 10;
/** The machine's 1-minute load average: the 2 cores are shared, so every timing depends on it. */
const loadAverage1m = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
};
const addressBlock = env['ADDRESS_BLOCK'] ?? null;
if (addressBlock !== null && !/^127\.\d{1,3}\.\d{1,3}$/.test(addressBlock))
  throw new Error(`ADDRESS_BLOCK must be the first three octets of a loopback /24 (127.x.y), not ${addressBlock}`);
/** Within ADDRESS_BLOCK: serf agents from .1, Lattice agents from .101. */
const blockOffsets = { [nets.serf]: 1, [nets.lattice]: 101 } as Record<number, number>;
const addressOf = (net: number, position: number) =>
  addressBlock === null
    ? `127.1.${net + Math.floor(position / 250)}.${(position % 250) + 1}`
    : `${addressBlock}.${(blockOffsets[net] as number) + position}`;
/** tcpdump filter for a pool's /24s and port. */
function captureFilter(net: number, n: number, port: number): string {
  if (addressBlock !== null) return `port ${port} and net ${addressBlock}.0/24`;
  const blocks = Array.from({ length: Math.ceil(n / 250) }, (_, block) => `net 127.1.${net + block}.0/24`);
  return `port ${port} and (${blocks.join(' or ')})`;
}

// ---------------------------------------------------------------- processes we own

const children = new Set<ChildProcess>();
function start(command: string, args: readonly string[], logPath: string): ChildProcess {
  const log = openSync(logPath, 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
async function stopAll(list: readonly ChildProcess[]): Promise<void> {
  for (const child of list) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  const deadline = performance.now() + 5_000;
  while (list.some((child) => child.exitCode === null && child.signalCode === null) && performance.now() < deadline)
    await pause(50);
}

function ensurePackage(binary: string, pkg: string): boolean {
  const present = () => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
  if (present()) return true;
  progress(`${binary} missing: apt-get install -y ${pkg}`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: aptEnv,
      timeout: 300_000,
    }).status === 0;
  if (!install()) {
    progress('apt-get install failed: apt-get update, then again');
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv, timeout: 300_000 });
    install();
  }
  return present();
}

function rssMb(pid: number): number | null {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- tcpdump byte counting (the anchor's method)

/**
 * Sums IPv4 UDP and TCP bytes (IP total length, headers included) in a pcap from lo, and counts TCP connections
 * opened (SYN without ACK).
 */
function parsePcap(file: string): { udpBytes: number; tcpBytes: number; udpPackets: number; tcpConnections: number } {
  const bytes = readFileSync(file);
  const result = { udpBytes: 0, tcpBytes: 0, udpPackets: 0, tcpConnections: 0 };
  if (bytes.length < 24) return result;
  const magic = bytes.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const read = (offset: number) => (little ? bytes.readUInt32LE(offset) : bytes.readUInt32BE(offset));
  const linkType = read(20);
  const linkHeader = linkType === 1 ? 14 : linkType === 113 ? 16 : 0;
  let position = 24;
  while (position + 16 <= bytes.length) {
    const included = read(position + 8);
    const original = read(position + 12);
    const data = position + 16;
    if (data + linkHeader + 10 <= bytes.length) {
      const protocol = bytes[data + linkHeader + 9];
      const ipLength = original - linkHeader;
      if (protocol === 17) {
        result.udpBytes += ipLength;
        result.udpPackets++;
      } else if (protocol === 6) {
        result.tcpBytes += ipLength;
        const ip = data + linkHeader;
        const flagsAt = ip + ((bytes[ip] as number) & 0x0f) * 4 + 13;
        const flags = flagsAt < data + included ? (bytes[flagsAt] as number) : 0;
        if ((flags & 0x12) === 0x02) result.tcpConnections++;
      }
    }
    position = data + included;
  }
  return result;
}

async function captureBytes(filter: string, seconds: number, file: string) {
  const tcpdump = spawn('tcpdump', ['-i', 'lo', '-nn', '-s', '96', '-w', file, filter], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(tcpdump);
  tcpdump.once('exit', () => children.delete(tcpdump));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3_000);
    tcpdump.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const startedMs = performance.now();
  await pause(seconds * 1000);
  const elapsedS = (performance.now() - startedMs) / 1000;
  const exited = new Promise((resolve) => tcpdump.once('exit', resolve));
  tcpdump.kill('SIGINT');
  await Promise.race([exited, pause(3_000)]);
  if (tcpdump.exitCode === null && tcpdump.signalCode === null) tcpdump.kill('SIGKILL');
  return { ...parsePcap(file), elapsedS };
}

// ---------------------------------------------------------------- the two pools behind one interface

interface Pool {
  readonly n: number;
  readonly names: readonly string[];
  readonly processes: readonly ChildProcess[];
  readonly pollMs: number;
  /** Every agent but the seed joins the seed at once; resolves when all join calls have answered. */
  joinAll(): Promise<void>;
  /** This agent sees all N alive and none failed or left. */
  converged(position: number): Promise<boolean>;
  /** This agent reports `name` failed (one poll). */
  seesFailed(position: number, name: string): Promise<boolean>;
  /**
   * Arms, on each agent at `positions`, a stream the agent pushes its member-failed verdicts on; `onSeen(position)`
   * runs when that agent's verdict about `name` reaches the bench. Resolves once every stream is armed, with a
   * function that closes them.
   */
  watchFailed(positions: readonly number[], name: string, onSeen: (position: number) => void): Promise<() => void>;
  /** This agent's Lifeguard health score (0: healthy; each point stretches its probe interval by one more). */
  healthScore(position: number): Promise<number>;
  close(): void;
}

/** Polls `check` on every agent not yet done, all at once, every pollMs; returns ms from t0 per agent (null: never). */
async function pollAll(
  positions: readonly number[],
  check: (position: number) => Promise<boolean>,
  t0: number,
  timeoutMs: number,
  pollMs: number,
): Promise<Map<number, number | null>> {
  const doneAt = new Map<number, number | null>(positions.map((position) => [position, null]));
  while (performance.now() - t0 < timeoutMs) {
    const pending = positions.filter((position) => doneAt.get(position) === null);
    if (pending.length === 0) break;
    await Promise.all(
      pending.map(async (position) => {
        if (await check(position).catch(() => false)) doneAt.set(position, performance.now() - t0);
      }),
    );
    if (positions.some((position) => doneAt.get(position) === null)) await pause(pollMs);
  }
  return doneAt;
}

interface SerfRpc {
  connect(): Promise<SerfRpc>;
  close(): void;
  stats(): Promise<{ serf: Record<string, string> }>;
  join(existing: string[]): Promise<number>;
  membersFiltered(filter: { Name: string }): Promise<{ Status: string }[]>;
  event(name: string, payload: string, coalesce: boolean): Promise<unknown>;
  stream(type: string, onEvent: (event: { Payload?: unknown; Members?: { Name: string }[] }) => void): Promise<number>;
}
type SerfRpcClass = new (address: string, options: { timeoutMs: number }) => SerfRpc;

/**
 * With SERF_TAGS=consul (the default) each serf agent gossips the tags a Lattice (and Consul) client agent does, so
 * both pools carry alive messages and push-pull entries of the same size; SERF_TAGS=none runs serf bare (the figures
 * before this option existed).
 */
function serfTagFlags(): string[] {
  if (serfTags === 'none') return [];
  const tags: Record<string, string> = {
    acls: '0',
    build: '1.20.0:',
    dc: 'dc1',
    ft_fs: '1',
    ft_si: '1',
    id: randomUUID(),
    role: 'node',
    segment: '',
    vsn: '2',
    vsn_max: '3',
    vsn_min: '2',
  };
  return Object.entries(tags).map(([key, value]) => `-tag=${key}=${value}`);
}

async function startSerf(n: number, dir: string, SerfRPC: SerfRpcClass) {
  const names = Array.from({ length: n }, (_, position) => `serf-${n}-${position}`);
  const hosts = names.map((_, position) => addressOf(nets.serf, position));
  const processes = names.map((name, position) =>
    start(
      'serf',
      [
        'agent',
        `-node=${name}`,
        `-bind=${hosts[position]}:${ports.serf}`,
        `-rpc-addr=${hosts[position]}:${ports.serfRpc}`,
        '-profile=lan',
        '-log-level=warn',
        ...serfTagFlags(),
      ],
      join(dir, `${name}.log`),
    ),
  );
  const startedMs = performance.now();
  const conns: SerfRpc[] = await Promise.all(
    hosts.map(async (host) => {
      for (;;) {
        try {
          return await new SerfRPC(`${host}:${ports.serfRpc}`, { timeoutMs: 10_000 }).connect();
        } catch (error) {
          if (performance.now() - startedMs > startTimeoutMs) throw error;
          await pause(100);
        }
      }
    }),
  );
  const seed = `${hosts[0]}:${ports.serf}`;
  /** The armed failure watch per victim name; every agent's member-failed stream is subscribed once, here. */
  const failureWatches = new Map<string, (position: number) => void>();
  await Promise.all(
    conns.map((conn, position) =>
      conn.stream('member-failed', (event) => {
        for (const member of event.Members ?? []) failureWatches.get(member.Name)?.(position);
      }),
    ),
  );
  const pool: Pool = {
    n,
    names,
    processes,
    pollMs: n <= 50 ? 100 : 250,
    joinAll: async () => {
      await Promise.all(conns.slice(1).map((conn) => conn.join([seed]).catch(() => 0)));
    },
    converged: async (position) => {
      const stats = (await conns[position]?.stats())?.serf;
      return Number(stats?.['members']) === n && Number(stats?.['failed']) === 0 && Number(stats?.['left']) === 0;
    },
    seesFailed: async (position, name) =>
      (await conns[position]?.membersFiltered({ Name: name }))?.[0]?.Status === 'failed',
    watchFailed: async (positions, name, onSeen) => {
      const wanted = new Set(positions);
      failureWatches.set(name, (position) => {
        if (wanted.has(position)) onSeen(position);
      });
      return () => failureWatches.delete(name);
    },
    healthScore: async (position) => Number((await conns[position]?.stats())?.serf['health_score']),
    close: () => {
      for (const conn of conns) conn.close();
    },
  };
  /** Fires one user event at n0; resolves with ms until every agent's stream delivered it (null: not all). */
  const subscribers = new Map<string, Map<number, number>>();
  await Promise.all(
    conns.map((conn, position) =>
      conn.stream('user', (event) => {
        const payload = Buffer.isBuffer(event.Payload) ? event.Payload.toString() : String(event.Payload);
        const seen = subscribers.get(payload);
        if (seen && !seen.has(position)) seen.set(position, performance.now());
      }),
    ),
  );
  const fireEvent = async (payload: string): Promise<number | null> => {
    const seen = new Map<number, number>();
    subscribers.set(payload, seen);
    const t0 = performance.now();
    await conns[0]?.event('bench', payload, false);
    while (seen.size < n && performance.now() - t0 < eventTimeoutMs) await pause(5);
    return seen.size === n ? Math.max(...[...seen.values()].map((at) => at - t0)) : null;
  };
  return { pool, fireEvent, startMs: performance.now() - startedMs };
}

const httpAgent = new Agent({ keepAlive: true, maxSockets: 2 });
function httpJson(method: string, host: string, path: string, timeoutMs = 5_000, body = ''): Promise<unknown> {
  return httpExchange(method, host, path, timeoutMs, body).then((answer) => answer.body);
}
function httpExchange(
  method: string,
  host: string,
  path: string,
  timeoutMs = 5_000,
  body = '',
): Promise<{ body: unknown; index: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host, port: ports.latticeHttp, method, path, agent: httpAgent, timeout: timeoutMs },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          if ((response.statusCode ?? 0) >= 300) reject(new Error(`${path}: HTTP ${response.statusCode} ${text}`));
          else
            resolve({
              body: text === '' ? null : JSON.parse(text),
              index: String(response.headers['x-consul-index'] ?? ''),
            });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${host}${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** GET `path` on an agent's HTTP API as text. */
function httpText(host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host, port: ports.latticeHttp, method: 'GET', path, agent: httpAgent, timeout: 5_000 },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          (response.statusCode ?? 0) >= 300 ? reject(new Error(`${path}: HTTP ${response.statusCode}`)) : resolve(text),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${host}${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * Opens GET /v1/agent/monitor?loglevel=info on its own connection and calls `onLine` for each log line; resolves
 * once the agent answered the headers (it subscribes before answering, so every later line is seen).
 */
function openMonitor(host: string, onLine: (line: string) => void): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host, port: ports.latticeHttp, method: 'GET', path: '/v1/agent/monitor?loglevel=info', agent: false },
      (response) => {
        if ((response.statusCode ?? 0) >= 300) {
          outgoing.destroy();
          reject(new Error(`monitor on ${host}: HTTP ${response.statusCode}`));
          return;
        }
        outgoing.setTimeout(0);
        let partial = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() as string;
          for (const line of lines) onLine(line);
        });
        response.on('error', () => undefined);
        resolve(outgoing);
      },
    );
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error(`monitor on ${host} did not answer in 10 s`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Consul's AgentMember.Status codes. */
const memberStatus = { alive: 1, left: 3, failed: 4 } as const;

async function startLattice(n: number, dir: string) {
  const names = Array.from({ length: n }, (_, position) => `lattice-${n}-${position}`);
  const hosts = names.map((_, position) => addressOf(nets.lattice, position));
  const processes: ChildProcess[] = [];
  const startedMs = performance.now();
  // Node start-up costs CPU: start in batches of 10 and wait for each batch's HTTP API, so 100 cold starts do not
  // thrash two cores (serf's Go binary starts in a few ms).
  for (let first = 0; first < n; first += 10) {
    // The start bound is per batch: on a loaded machine 100 cold Node starts can take longer than one bound in all.
    const batchStartedMs = performance.now();
    const batch = names.slice(first, first + 10).map((name, offset) => {
      const host = hosts[first + offset] as string;
      const child = start(
        process.execPath,
        [
          join(root, 'dist', 'bin', 'lattice.js'),
          'agent',
          '--node',
          name,
          '--bind',
          host,
          '--client',
          host,
          '--data-dir',
          join(dir, name),
          '--dns-port',
          '-1',
          '--serf-wan-port',
          '-1',
          '--log-level',
          'WARN',
        ],
        join(dir, `${name}.log`),
      );
      processes.push(child);
      return host;
    });
    await Promise.all(
      batch.map(async (host) => {
        for (;;) {
          try {
            await httpJson('GET', host, '/v1/agent/members', 2_000);
            return;
          } catch (error) {
            if (performance.now() - batchStartedMs > startTimeoutMs) throw error;
            await pause(100);
          }
        }
      }),
    );
  }
  const members = async (position: number) =>
    (await httpJson('GET', hosts[position] as string, '/v1/agent/members')) as { Name: string; Status: number }[];
  const seed = `${hosts[0]}:${ports.lattice}`;
  const pool: Pool = {
    n,
    names,
    processes,
    pollMs: n <= 50 ? 100 : 250,
    joinAll: async () => {
      await Promise.all(
        hosts.slice(1).map((host) => httpJson('PUT', host, `/v1/agent/join/${seed}`, 30_000).catch(() => null)),
      );
    },
    converged: async (position) => {
      const list = await members(position);
      return list.length === n && list.every((member) => member.Status === memberStatus.alive);
    },
    seesFailed: async (position, name) =>
      (await members(position)).find((member) => member.Name === name)?.Status === memberStatus.failed,
    watchFailed: async (positions, name, onSeen) => {
      const needle = `EventMemberFailed: ${name} `;
      const monitors = await Promise.all(
        positions.map((position) =>
          openMonitor(hosts[position] as string, (line) => {
            if (line.includes(needle)) onSeen(position);
          }),
        ),
      );
      return () => {
        for (const monitor of monitors) monitor.destroy();
      };
    },
    healthScore: async (position) => {
      const text = await httpText(hosts[position] as string, '/v1/agent/metrics?format=prometheus');
      return Number(/^consul_memberlist_health_score(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
    },
    close: () => undefined,
  };
  /**
   * Fires one user event at n0 over the HTTP API; resolves with ms until every agent's event list held it (null:
   * not all). Each agent's list is watched by a blocking query, armed with its current index before the fire.
   */
  const fireEvent = async (payload: string): Promise<number | null> => {
    const indexes = await Promise.all(
      hosts.map((host) => httpExchange('GET', host, '/v1/event/list?name=bench').then((answer) => answer.index)),
    );
    const t0 = performance.now();
    const fired = (await httpJson('PUT', hosts[0] as string, '/v1/event/fire/bench', 5_000, payload)) as {
      ID: string;
    };
    const arrivals = await Promise.all(
      hosts.map(async (host, position) => {
        let index = indexes[position] as string;
        while (performance.now() - t0 < eventTimeoutMs) {
          const answer = await httpExchange(
            'GET',
            host,
            `/v1/event/list?name=bench&index=${index}&wait=${Math.ceil(eventTimeoutMs / 1000)}s`,
            eventTimeoutMs + 5_000,
          ).catch(() => null);
          if (answer === null) return null;
          if ((answer.body as { ID: string }[]).some((event) => event.ID === fired.ID)) return performance.now() - t0;
          index = answer.index;
        }
        return null;
      }),
    );
    return arrivals.every((at) => at !== null) ? Math.max(...(arrivals as number[])) : null;
  };
  return { pool, fireEvent, startMs: performance.now() - startedMs };
}

// ---------------------------------------------------------------- the measurements shared by both pools

async function measurePool(
  label: string,
  pool: Pool,
  captureFilterText: string,
  dir: string,
  fireEvent: ((payload: string) => Promise<number | null>) | null,
): Promise<Record<string, number | (number | null)[] | null>> {
  const { n } = pool;
  const everyone = Array.from({ length: n }, (_, position) => position);
  progress(`${label}: bulk join of ${n - 1} agents into the seed`);
  const t0 = performance.now();
  const joins = pool.joinAll();
  const convergedAt = await pollAll(
    everyone,
    (position) => pool.converged(position),
    t0,
    convergeTimeoutMs,
    pool.pollMs,
  );
  await Promise.race([joins, pause(30_000)]);
  const convergedTimes = [...convergedAt.values()].filter((at): at is number => at !== null);
  const convergeMs = convergedTimes.length === n ? round1(Math.max(...convergedTimes)) : null;
  progress(
    `${label}: ${convergedTimes.length}/${n} converged` +
      (convergeMs === null ? ` (bound ${convergeTimeoutMs / 1000} s reached)` : ` after ${convergeMs} ms`) +
      `, per-agent p50 ${round1(median(convergedTimes) ?? Number.NaN)} ms`,
  );

  await pause(settleMs);
  let udpBytesPerS: number | null = null;
  let tcpBytesPerS: number | null = null;
  let tcpBytesPerPushPull: number | null = null;
  let tcpBytesPerSWindow: number | null = null;
  let tcpConnections: number | null = null;
  const pushPullS = pushPullIntervalMs(LAN.pushPullIntervalMs, n) / 1000;
  const captureS = Math.max(bwSeconds, pushPullS);
  if (bwSeconds > 0 && hasTcpdump) {
    const captured = await captureBytes(captureFilterText, captureS, join(dir, `${label}.pcap`));
    udpBytesPerS = round1(captured.udpBytes / captured.elapsedS / n);
    tcpBytesPerSWindow = round1(captured.tcpBytes / captured.elapsedS / n);
    tcpConnections = captured.tcpConnections;
    if (tcpConnections > 0) {
      tcpBytesPerPushPull = round1(captured.tcpBytes / tcpConnections);
      tcpBytesPerS = round1(tcpBytesPerPushPull / pushPullS);
    }
    progress(
      `${label}: steady state ${udpBytesPerS} UDP B/s, ${round1(captured.udpPackets / captured.elapsedS / n)} ` +
        `UDP pkt/s per agent over ${round1(captured.elapsedS)} s; TCP ${tcpConnections} connections, ` +
        `${tcpBytesPerPushPull} B each, ${tcpBytesPerS} B/s per agent at one per ${pushPullS} s ` +
        `(${tcpBytesPerSWindow} B/s per agent in the window)`,
    );
  }
  const rss = pool.processes.map((child) => rssMb(child.pid as number)).filter((mb): mb is number => mb !== null);
  const rssMbPerAgent = rss.length > 0 ? round1(rss.reduce((sum, mb) => sum + mb, 0) / rss.length) : null;
  progress(`${label}: RSS ${rssMbPerAgent} MiB per agent (mean of ${rss.length})`);

  let eventMs: number | null = null;
  if (fireEvent) {
    const runs: number[] = [];
    for (let repeat = 0; repeat < eventReps; repeat++) {
      const ms = await fireEvent(`ev-${process.pid}-${n}-${repeat}`);
      progress(
        `${label}: event #${repeat + 1} reached all ${ms === null ? 'never (20 s bound)' : `in ${round1(ms)} ms`}`,
      );
      if (ms !== null) runs.push(ms);
      await pause(2_000);
    }
    eventMs = runs.length === eventReps ? round1(median(runs) as number) : null;
  }

  const detection = await measureDetection(label, pool);

  return {
    [`converge_ms_n${n}`]: convergeMs,
    [`detect_ms_n${n}`]: detection.medianMs,
    [`detect_samples_ms_n${n}`]: detection.samplesMs,
    [`detect_degraded_agents_n${n}`]: detection.degradedAgents,
    [`detect_loadavg_n${n}`]: detection.loadAverages,
    [`event_ms_n${n}`]: eventMs,
    [`udp_bytes_per_s_n${n}`]: udpBytesPerS,
    [`rss_mb_n${n}`]: rssMbPerAgent,
    [`tcp_bytes_per_s_n${n}`]: tcpBytesPerS,
    [`tcp_bytes_per_push_pull_n${n}`]: tcpBytesPerPushPull,
    [`tcp_connections_n${n}`]: tcpConnections,
    [`tcp_bytes_per_s_window_n${n}`]: tcpBytesPerSWindow,
    [`capture_s_n${n}`]: bwSeconds > 0 && hasTcpdump ? captureS : null,
    [`converged_agents_n${n}`]: convergedTimes.length,
  };
}

/**
 * DETECT_SAMPLES SIGKILLs of distinct agents n(N-1), n(N-2), ..., one after another: each sample is the time until
 * every survivor's failed verdict about its victim reached the bench (null: not all within DETECT_TIMEOUT_S). The
 * median is null unless every sample completed; later victims are killed DETECT_GAP_S after the previous one was
 * seen failed by all.
 */
async function measureDetection(
  label: string,
  pool: Pool,
): Promise<{
  medianMs: number | null;
  samplesMs: (number | null)[];
  degradedAgents: (number | null)[];
  loadAverages: number[];
}> {
  const { n } = pool;
  const killed = new Set<number>();
  const samplesMs: (number | null)[] = [];
  const degradedAgents: (number | null)[] = [];
  const loadAverages: number[] = [];
  for (let sample = 0; sample < detectSamples; sample++) {
    const victim = n - 1 - sample;
    const victimName = pool.names[victim] as string;
    killed.add(victim);
    const survivors = Array.from({ length: n }, (_, position) => position).filter((position) => !killed.has(position));
    const scores = await Promise.all(survivors.map((position) => pool.healthScore(position).catch(() => Number.NaN)));
    const degraded = scores.filter((score) => score > 0).length;
    degradedAgents.push(scores.some(Number.isNaN) ? null : degraded);
    loadAverages.push(loadAverage1m());
    const seenAt = new Map<number, number>();
    let tKill = Number.POSITIVE_INFINITY;
    const disarm = await pool.watchFailed(survivors, victimName, (position) => {
      if (!seenAt.has(position)) seenAt.set(position, performance.now() - tKill);
    });
    tKill = performance.now();
    pool.processes[victim]?.kill('SIGKILL');
    while (seenAt.size < survivors.length && performance.now() - tKill < detectTimeoutMs) await pause(20);
    disarm();
    const detected = [...seenAt.values()];
    const detectMs = detected.length === survivors.length ? round1(Math.max(...detected)) : null;
    samplesMs.push(detectMs);
    const agreeing = await Promise.all(
      survivors.map((position) => pool.seesFailed(position, victimName).catch(() => false)),
    );
    const disagreeing = agreeing.filter((failed) => !failed).length;
    progress(
      `${label}: detect sample ${sample + 1}/${detectSamples} (${victimName}): ` +
        `${detected.length}/${survivors.length} reported it failed` +
        (detectMs === null
          ? ` (bound ${detectTimeoutMs / 1000} s reached)`
          : `, all after ${detectMs} ms (first ${round1(Math.min(...detected))} ms, ` +
            `median ${round1(median(detected) as number)} ms)`) +
        `; at the kill (load ${loadAverages.at(-1)}) ${degraded} survivors had a Lifeguard health score ` +
        `above 0 (max ${Math.max(...scores)})` +
        (disagreeing === 0 ? '' : `; ${disagreeing} members lists do not show it failed`),
    );
    if (sample + 1 < detectSamples) await pause(detectGapMs);
  }
  const complete = samplesMs.filter((ms): ms is number => ms !== null);
  return {
    medianMs: complete.length === samplesMs.length ? median(complete) : null,
    samplesMs,
    degradedAgents,
    loadAverages,
  };
}

// ---------------------------------------------------------------- the simulator

async function simulate(nodes: number): Promise<Record<string, number | null>> {
  progress(`simulator: ${nodes} nodes (seed ${simSeed}, LAN preset, no loss)`);
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${simHeapMb}`,
      join(root, 'dist', 'bin', 'lattice.js'),
      'simulate',
      'gossip',
      '--nodes',
      String(nodes),
      '--seed',
      String(simSeed),
      '--preset',
      'lan',
      '--format',
      'json',
      '--no-progress',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let output = '';
  let errorTail = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    process.stderr.write(chunk);
    errorTail = (errorTail + chunk).slice(-4_000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), simTimeoutMs);
  const [code, signal] = (await new Promise((resolve) => child.once('close', (...exit) => resolve(exit)))) as [
    number | null,
    string | null,
  ];
  clearTimeout(timer);
  children.delete(child);
  if (code !== 0) {
    const reason = /FATAL ERROR: [^\n]*/.exec(errorTail)?.[0] ?? errorTail.trim().split('\n').pop() ?? '';
    throw new Error(
      `lattice simulate gossip --nodes ${nodes} exited with ${code ?? signal}` +
        `${signal === 'SIGKILL' ? ` (killed at the ${simTimeoutMs / 1000} s bound)` : ''}` +
        ` (heap limit ${simHeapMb} MB): ${reason}`,
    );
  }
  const result = JSON.parse(output.slice(output.indexOf('{'))) as {
    bootstrapConvergedMs: number | null;
    join: { p50Ms: number; p99Ms: number; p9999Ms: number; reached: number; observers: number };
    failure: { p50Ms: number; p99Ms: number; p9999Ms: number; reached: number; observers: number };
    falsePositives: number;
    bytesPerNodePerSecond: number;
  };
  const figures = {
    [`sim_bootstrap_converged_ms_n${nodes}`]: result.bootstrapConvergedMs,
    [`sim_join_p50_ms_n${nodes}`]: result.join.p50Ms,
    [`sim_join_p99_ms_n${nodes}`]: result.join.p99Ms,
    [`sim_join_p9999_ms_n${nodes}`]: result.join.p9999Ms,
    [`sim_failure_p50_ms_n${nodes}`]: result.failure.p50Ms,
    [`sim_failure_p99_ms_n${nodes}`]: result.failure.p99Ms,
    [`sim_failure_p9999_ms_n${nodes}`]: result.failure.p9999Ms,
    [`sim_false_positives_n${nodes}`]: result.falsePositives,
    [`sim_bytes_per_node_per_s_n${nodes}`]: result.bytesPerNodePerSecond,
  };
  progress(`simulator ${nodes}: ${JSON.stringify(figures)}`);
  return figures;
}

// ---------------------------------------------------------------- main

const benchStartedMs = performance.now();
const hasTcpdump = ensurePackage('tcpdump', 'tcpdump');
if (!hasTcpdump) progress('tcpdump unavailable: udp/tcp byte figures are null');
let serfError: string | null = null;
let SerfRPC: SerfRpcClass | null = null;
if (systemsWanted.has('serf')) {
  if (!ensurePackage('serf', 'serf')) serfError = 'serf could not be installed (apt-get install -y serf failed)';
  else {
    try {
      SerfRPC = (
        (await import(pathToFileURL(join(anchorsDir, 'lib', 'serf-rpc.mjs')).href)) as { SerfRPC: SerfRpcClass }
      ).SerfRPC;
    } catch (error) {
      serfError = `serf RPC client not found in ${anchorsDir}/lib: ${(error as Error).message}`;
    }
  }
} else serfError = 'not run (SYSTEMS)';

const tmp = await mkdtemp(join(tmpdir(), 'lattice-bench-gossip-'));
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });

const lattice: Record<string, unknown> = {};
const serf: Record<string, unknown> = {};
try {
  for (const n of sizes) {
    if (SerfRPC && serfError === null) {
      const dir = join(tmp, `serf-${n}`);
      await mkdir(dir, { recursive: true });
      try {
        const started = await startSerf(n, dir, SerfRPC);
        progress(`serf n=${n}: ${n} agents up in ${round1(started.startMs)} ms`);
        try {
          Object.assign(
            serf,
            await measurePool(
              `serf n=${n}`,
              started.pool,
              captureFilter(nets.serf, n, ports.serf),
              dir,
              started.fireEvent,
            ),
          );
        } finally {
          started.pool.close();
          await stopAll(started.pool.processes);
        }
      } catch (error) {
        progress(`serf n=${n} failed: ${(error as Error).stack}`);
        serf[`error_n${n}`] = (error as Error).message;
      }
    }
    if (systemsWanted.has('lattice')) {
      const dir = join(tmp, `lattice-${n}`);
      await mkdir(dir, { recursive: true });
      try {
        const started = await startLattice(n, dir);
        progress(`lattice n=${n}: ${n} agents up in ${round1(started.startMs)} ms`);
        try {
          Object.assign(
            lattice,
            await measurePool(
              `lattice n=${n}`,
              started.pool,
              captureFilter(nets.lattice, n, ports.lattice),
              dir,
              started.fireEvent,
            ),
          );
        } finally {
          await stopAll(started.pool.processes);
        }
      } catch (error) {
        progress(`lattice n=${n} failed: ${(error as Error).stack}`);
        lattice[`error_n${n}`] = (error as Error).message;
      }
    }
  }
  for (const nodes of simNodes) {
    try {
      Object.assign(lattice, await simulate(nodes));
    } catch (error) {
      progress(`simulator ${nodes} failed: ${(error as Error).message}`);
      lattice[`sim_error_n${nodes}`] = (error as Error).message;
    }
  }
  const result = {
    bench: 'gossip',
    lattice,
    serf: serfError === null ? serf : { error: serfError },
    method: {
      join: 'all agents but the seed join the seed at the same moment (serf RPC join; Lattice PUT /v1/agent/join)',
      serf_tags:
        serfTags === 'consul'
          ? "a Consul client's 11 tags (acls build dc ft_fs ft_si id role segment vsn vsn_max vsn_min), as Lattice agents gossip"
          : 'none',
      lattice_agents: 'lattice agent processes (client mode, LAN timing), one per loopback address',
      events:
        'serf: RPC event at n0, RPC stream on every agent; Lattice: PUT /v1/event/fire at n0, blocking GET /v1/event/list on every agent',
      bytes:
        'tcpdump on lo, IPv4 bytes with headers, per agent per second, no polling in the window; the window is ' +
        'max(bw_seconds, one push-pull interval at N)',
      tcp: 'tcp_bytes_per_s = mean bytes per TCP connection in the window / the push-pull interval at N (one exchange per agent per interval in steady state); tcp_bytes_per_s_window = raw window rate',
      bw_seconds: bwSeconds,
      event_reps: eventReps,
      detect:
        `median of ${detectSamples} SIGKILLs of distinct agents n(N-1), n(N-2), ... one after another (next kill ` +
        `${detectGapMs / 1000} s after all survivors saw the previous one failed); each sample = until every ` +
        "survivor's failed verdict reached the bench, pushed (serf: RPC stream member-failed; Lattice: GET " +
        '/v1/agent/monitor?loglevel=info, its EventMemberFailed line), armed before the kill; samples in kill ' +
        'order under detect_samples_ms_nN',
      detect_samples: detectSamples,
      sim: `lattice simulate gossip --preset lan --seed ${simSeed}; joins spread 10 ms per node (<= 20 s)`,
      loadavg_end: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      run_s: Math.round((performance.now() - benchStartedMs) / 1000),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  killAll();
  httpAgent.destroy();
  await pause(200);
  await rm(tmp, { recursive: true, force: true });
}
