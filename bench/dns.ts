// DNS queries per second for `web.service.consul` (A, over UDP) against `lattice agent -dev` on 127.0.0.51
// (DNS on 8600) holding ten healthy `web` instances. The load generator is a small UDP blaster in this process:
// one socket, a bounded number of queries in flight (INFLIGHT), each reply's latency taken from its send time;
// a query without a reply after lostAfterMs is counted lost and its slot reused. It runs WARMUP_S seconds first
// (JIT, caches), then DURATION_S measured seconds: dns_qps (answered per second), dns_p99_ms, dns_lost, and
// dns_qps_per_cpu_s (answers per second of the agent's own CPU time: its one-core rate even on a busy machine).
// When Debian's `dnsperf` is installed the same query is also run through it (dnsperf_qps), as a cross-check of
// the Node generator's own ceiling. There is no Consul binary here, so only Lattice's figures are printed.
// Progress goes to stderr; the last stdout line is {"bench":"dns","lattice":{...}}.
// Env: INFLIGHT (100), DURATION_S (5), WARMUP_S (1), INSTANCES (10).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';

const root = fileURLToPath(new URL('../../', import.meta.url));
const host = '127.0.0.51';
const dnsPort = 8600;
const inFlightMax = Number(process.env['INFLIGHT'] ?? 100);
const durationS = Number(process.env['DURATION_S'] ?? 5);
const warmupS = Number(process.env['WARMUP_S'] ?? 1);
const instances = Number(process.env['INSTANCES'] ?? 10);
const startDeadlineMs = 30_000;
/** Far above any loopback answer time: a query this old was dropped (socket buffer full) and its slot is reused. */
const lostAfterMs = 1_000;

const progress = (message: string): void => {
  process.stderr.write(`[dns] ${message}\n`);
};

const running: { agent: ChildProcess | null } = { agent: null };

async function startAgent(): Promise<void> {
  const agent = spawn(
    process.execPath,
    [join(root, 'dist/bin/lattice.js'), 'agent', '-dev', `-bind=${host}`, `-client=${host}`, `-dns-port=${dnsPort}`],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: root },
  );
  running.agent = agent;
  let stderr = '';
  agent.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const deadline = performance.now() + startDeadlineMs;
  for (;;) {
    if (agent.exitCode !== null) throw new Error(`lattice agent exited early:\n${stderr}`);
    const leader = await fetch(`http://${host}:8500/v1/status/leader`)
      .then(async (response) => (response.ok ? ((await response.json()) as string) : ''))
      .catch(() => '');
    if (leader !== '') return;
    if (performance.now() > deadline) throw new Error(`no leader within ${startDeadlineMs} ms:\n${stderr}`);
    await pause(100);
  }
}

async function register(): Promise<void> {
  for (let position = 1; position <= instances; position++) {
    const response = await fetch(`http://${host}:8500/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({
        Node: `web-${position}`,
        Address: `10.50.0.${position}`,
        Service: { ID: 'web', Service: 'web', Port: 8080 },
      }),
    });
    if (!response.ok) throw new Error(`register failed: HTTP ${response.status} ${await response.text()}`);
  }
}

interface BlastResult {
  readonly answered: number;
  readonly lost: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

/** Keeps `inFlightMax` queries outstanding for `seconds`; answers are matched by ID. */
function blast(seconds: number): Promise<BlastResult> {
  const template = dnsPacket.encode({
    type: 'query',
    id: 0,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: 'web.service.consul', type: 'A' }],
  });
  const socket = createSocket('udp4');
  const sentAt = new Float64Array(65_536).fill(-1);
  const latenciesMs: number[] = [];
  let nextId = 0;
  let answered = 0;
  let lost = 0;
  let running = true;
  const startedMs = performance.now();
  const send = () => {
    if (!running) return;
    // Find a free ID (the ring of 65536 IDs is far larger than the in-flight bound).
    while (sentAt[nextId]! >= 0) nextId = (nextId + 1) & 0xffff;
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const query = Buffer.from(template);
    query.writeUInt16BE(id, 0);
    sentAt[id] = performance.now();
    socket.send(query, dnsPort, host);
  };
  return new Promise((resolve) => {
    socket.on('message', (reply) => {
      const id = reply.readUInt16BE(0);
      const sent = sentAt[id]!;
      if (sent < 0) return; // already counted lost
      sentAt[id] = -1;
      answered++;
      latenciesMs.push(performance.now() - sent);
      send();
    });
    const sweeper = setInterval(() => {
      const nowMs = performance.now();
      for (let id = 0; id < 65_536; id++) {
        const sent = sentAt[id]!;
        if (sent >= 0 && nowMs - sent > lostAfterMs) {
          sentAt[id] = -1;
          lost++;
          send();
        }
      }
    }, lostAfterMs / 4);
    setTimeout(() => {
      running = false;
      clearInterval(sweeper);
      const elapsedS = (performance.now() - startedMs) / 1000;
      socket.close();
      resolve({ answered, lost, seconds: elapsedS, latenciesMs });
    }, seconds * 1000);
    socket.bind(0, '127.0.0.1', () => {
      for (let count = 0; count < inFlightMax; count++) send();
    });
  });
}

/** The agent's user+system CPU seconds so far (Linux /proc, 100 ticks a second), or null elsewhere. */
async function agentCpuSeconds(): Promise<number | null> {
  const pid = running.agent?.pid;
  if (pid === undefined) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th of those.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null; // no /proc: the per-CPU figure is left out
  }
}

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

const dnsperfPath = ['/usr/bin/dnsperf', '/usr/local/bin/dnsperf'].find((path) => existsSync(path));

/** dnsperf's "Queries per second" for the same query over the same duration, or null without dnsperf. */
async function runDnsperf(): Promise<number | null> {
  if (dnsperfPath === undefined) return null;
  const dir = await mkdtemp(join(tmpdir(), 'lattice-dnsperf-'));
  try {
    const file = join(dir, 'queries.txt');
    await writeFile(file, 'web.service.consul A\n');
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        dnsperfPath,
        ['-s', host, '-p', String(dnsPort), '-d', file, '-l', String(durationS), '-q', String(inFlightMax)],
        { timeout: (durationS + 30) * 1000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const match = /Queries per second:\s+([\d.]+)/.exec(output);
    return match ? Number(match[1]) : null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  progress(`starting lattice agent -dev on ${host} (DNS ${dnsPort})`);
  await startAgent();
  await register();
  progress(`registered ${instances} web instances; warming up ${warmupS}s`);
  await blast(warmupS);
  progress(`measuring ${durationS}s with ${inFlightMax} queries in flight`);
  const cpuBefore = await agentCpuSeconds();
  const result = await blast(durationS);
  const cpuAfter = await agentCpuSeconds();
  const figures: Record<string, number> = {
    dns_qps: Math.round(result.answered / result.seconds),
    dns_p50_ms: Number(percentile(result.latenciesMs, 0.5).toFixed(3)),
    dns_p99_ms: Number(percentile(result.latenciesMs, 0.99).toFixed(3)),
    dns_lost: result.lost,
  };
  // Answers per second of agent CPU: the one-core rate, independent of what else shares the machine.
  if (cpuBefore !== null && cpuAfter !== null && cpuAfter > cpuBefore)
    figures['dns_qps_per_cpu_s'] = Math.round(result.answered / (cpuAfter - cpuBefore));
  progress(`node generator: ${figures['dns_qps']} q/s, p99 ${figures['dns_p99_ms']} ms, lost ${result.lost}`);
  const dnsperfQps = await runDnsperf().catch((error: unknown) => {
    progress(`dnsperf failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  });
  if (dnsperfQps !== null) {
    figures['dnsperf_qps'] = Math.round(dnsperfQps);
    progress(`dnsperf: ${figures['dnsperf_qps']} q/s`);
  } else progress('dnsperf not installed (Debian package dnsperf): only the Node generator ran');
  console.log(JSON.stringify({ bench: 'dns', lattice: figures }));
}

try {
  await main();
} finally {
  const agent = running.agent;
  if (agent !== null && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent.once('exit', resolve));
    agent.kill('SIGINT');
    await Promise.race([exited, pause(5_000)]);
    if (agent.exitCode === null) agent.kill('SIGKILL');
  }
}
