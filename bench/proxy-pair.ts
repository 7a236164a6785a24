// The sidecar pair on loopback: HTTP load → web's proxy (plain TCP upstream listener) → mTLS → api's proxy (public
// listener) → a tiny HTTP app, against the same path through two HAProxy 2.6 instances doing the same TLS
// origination and termination (Debian `haproxy`, certificates from the same CA), and a direct baseline. Each proxy
// runs in its own process so CPU and RSS are its own. Figures: `rps_max` (wrk, 32 keep-alive connections),
// `p50_ms_1k`/`p99_ms_1k` (an open-loop Node client at a fixed 1,000 req/s), `cpu_ms_per_1k_req` (both proxies'
// CPU during the wrk run per 1,000 requests; `cpu_user_ms_per_1k_req` is its user-space part), `rss_mb_per_proxy`,
// and for managed mode `rss_mb_per_extra_service` (100 services on one manager). Each figure is the median of `--rounds` rounds that alternate the three paths, so
// that a busy machine slows all of them alike; the output also names the TLS each pair negotiated (checked with a
// client of the mesh's CA) and the load average around the run. Loopback only (127.6.0.x), every load bounded.
// With --instructions it instead counts each proxy's user-space instructions per request under valgrind's callgrind
// (after a warm-up, over keep-alive connections): a figure that does not move with other load on the machine.
// Lattice's web sidecar carries the callers' connections as streams of one multiplexed mTLS session to api's (its
// default; --no-mux dials one TLS connection per caller, as the HAProxy pair does); `fairness` says which ran.
//   npm run bench -- proxy-pair [--seconds 5] [--rounds 3] [--only lattice,haproxy,direct] [--no-managed] [--no-mux]
//   npm run bench -- proxy-pair --instructions [--requests 5000] [--warmup 20000] [--concurrency 8] [--keep-dumps]

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
// The sidecar roles load only what a proxy process loads; the CA code (and its x509 library) is imported by the
// parent alone, so rss_mb_per_proxy is the proxy's own.
import type { CaSigner } from '../connect/ca/root.js';
import { compileIntentionTable } from '../connect/intentions/table.js';
import { serviceSni } from '../connect/sni.js';
import { RealClock } from '../lib/clock.js';
import { silentLogger } from '../lib/log.js';
import { ProxyManager } from '../proxy/manager.js';
import type { LeafCredentials, RootsSnapshot, UpstreamEndpoint } from '../proxy/source.js';
import { StaticProxySource } from '../proxy/testing/static-source.js';
import { callgrindMissing, callgrindPrefix, countInstructions } from './callgrind.js';

const CLUSTER_ID = '7f42f496-fbc7-8692-05ed-334aa5340c1e';
const APP = { host: '127.6.0.1', port: 18180 };
const HAPROXY_CLIENT = { host: '127.6.0.4', port: 17001 };
const HAPROXY_SERVER = { host: '127.6.0.5', port: 17443 };
const FIXED_RATE_PER_S = 1_000;
const MANAGED_SERVICES = 100;
const self = fileURLToPath(import.meta.url);
const log = (message: string) => process.stderr.write(`[proxy-pair] ${message}\n`);

interface SidecarSpec {
  readonly service: string;
  readonly roots: RootsSnapshot;
  readonly leaf: LeafCredentials;
  readonly address: string;
  readonly localServicePort: number;
  readonly upstream?: { readonly name: string; readonly bindAddress: string; readonly endpoints: UpstreamEndpoint[] };
  /** False dials api's sidecar per caller connection (--no-mux) instead of multiplexing one session. */
  readonly multiplex: boolean;
}

interface Figures {
  rps_max: number;
  p50_ms_1k: number;
  p99_ms_1k: number;
  cpu_ms_per_1k_req: number | null;
  /** The user-space part of cpu_ms_per_1k_req (the rest is the kernel's: syscalls, loopback TCP). */
  cpu_user_ms_per_1k_req: number | null;
  rss_mb_per_proxy: number | null;
  errors: number;
  rss_mb_per_extra_service?: number;
}

// ---- child roles ------------------------------------------------------------------------------------------------

async function runSidecar(spec: SidecarSpec): Promise<void> {
  const source = new StaticProxySource();
  source.setRoots(spec.roots);
  source.setLeaf(spec.service, spec.leaf);
  source.setIntentions(compileIntentionTable([], true));
  if (spec.upstream) source.setEndpoints(spec.upstream.name, spec.upstream.endpoints);
  const manager = new ProxyManager(
    { source, clock: new RealClock(), log: silentLogger() },
    { datacenter: 'dc1', multiplexUpstreams: spec.multiplex },
  );
  await manager.start();
  const proxy = await manager.addService({
    Address: spec.address,
    Port: 0,
    Proxy: {
      DestinationServiceName: spec.service,
      LocalServiceAddress: APP.host,
      LocalServicePort: spec.localServicePort,
      Upstreams: spec.upstream
        ? [{ DestinationName: spec.upstream.name, LocalBindAddress: spec.upstream.bindAddress, LocalBindPort: 0 }]
        : [],
    },
  });
  const port = spec.upstream ? proxy.upstreamAddress(spec.upstream.name).port : proxy.publicAddress().port;
  process.stdout.write(`ready ${port}\n`);
  process.on('SIGTERM', () => void manager.stop().then(() => process.exit(0)));
}

async function runManaged(specPath: string): Promise<void> {
  const { roots, leaves } = JSON.parse(readFileSync(specPath, 'utf8')) as {
    roots: RootsSnapshot;
    leaves: LeafCredentials[];
  };
  const source = new StaticProxySource();
  source.setRoots(roots);
  source.setIntentions(compileIntentionTable([], true));
  const manager = new ProxyManager({ source, clock: new RealClock(), log: silentLogger() }, { datacenter: 'dc1' });
  await manager.start();
  const rssMb = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss / 1_048_576;
  };
  const add = async (position: number) => {
    const service = `svc-${position}`;
    source.setLeaf(service, leaves[position]!);
    source.setEndpoints(service, [{ address: '127.6.0.9', port: 20_000 + position, service }]);
    await manager.addService({
      Address: '127.6.0.8',
      Port: 0,
      Proxy: {
        DestinationServiceName: service,
        LocalServicePort: APP.port,
        Upstreams: [
          { DestinationName: `svc-${(position + 1) % leaves.length}`, LocalBindAddress: '127.6.0.9', LocalBindPort: 0 },
        ],
      },
    });
  };
  await add(0);
  const first = rssMb();
  for (let position = 1; position < leaves.length; position += 1) await add(position);
  const all = rssMb();
  process.stdout.write(`${JSON.stringify({ first, all, services: leaves.length })}\n`);
  await manager.stop();
}

// ---- parent -----------------------------------------------------------------------------------------------------

async function mint(service: string, signer: CaSigner, dnsNames?: string[]) {
  const { generateCsr, serviceSpiffeId, signLeafSync } = await import('../connect/index.js');
  const { csrPem, privateKeyPem } = await generateCsr({
    id: serviceSpiffeId(signer.trustDomain, 'dc1', service),
    ...(dnsNames ? { dnsNames } : {}),
  });
  const leaf = signLeafSync(signer, csrPem, { nowMs: Date.now(), leafCertTtlMs: 72 * 3_600_000 });
  return { certPem: leaf.certPem, keyPem: privateKeyPem };
}

/** Starts a Node child role (under `prefix`, e.g. valgrind, when given) and waits for its `ready <port>` line. */
function spawnReady(
  args: string[],
  what: string,
  prefix: readonly string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const [command, ...prefixArgs] = [...prefix, process.execPath];
  const child = spawn(command!, [...prefixArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    // Under valgrind a Node process takes tens of seconds to start.
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), prefix.length > 0 ? 300_000 : 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^ready (\d+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

async function waitAnswering(host: string, port: number, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await oneRequest(host, port, new Agent());
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function oneRequest(host: string, port: number, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Keep-alive connections the counted load uses by default: enough to interleave, few enough to stay warm. */
const COUNTED_CONCURRENCY = 8;

/** Exactly `total` requests over the agent's keep-alive connections, `concurrency` at a time. */
async function requestsOn(
  target: { host: string; port: number },
  total: number,
  agent: Agent,
  concurrency: number,
): Promise<void> {
  let left = total;
  const worker = async () => {
    while (left > 0) {
      left -= 1;
      await oneRequest(target.host, target.port, agent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** CPU time (user and kernel) the processes have used so far, in ms. */
function cpuMs(pids: readonly number[]): { total: number; user: number } {
  let userTicks = 0;
  let systemTicks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    userTicks += Number(fields[11]);
    systemTicks += Number(fields[12]);
  }
  return { total: ((userTicks + systemTicks) * 1000) / 100, user: (userTicks * 1000) / 100 };
}

/** The lower median (a real sample, not an average of two). */
function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function wrk(host: string, port: number, seconds: number): { rps: number; requests: number; errors: number } {
  const out = execFileSync('wrk', ['-t1', '-c32', `-d${seconds}s`, `http://${host}:${port}/`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = (socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0) + non2xx;
  // Which kind tells a proxy that reset connections (read) from one too slow to answer in wrk's 2 s (timeout).
  if (errors > 0) log(`wrk errors: ${socketErrors?.[0] ?? 'no socket errors'}; non-2xx ${non2xx}`);
  return { rps, requests, errors };
}

/** One pool of keep-alive connections per target, kept from the warm-up into the measured run. */
let sharedAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Open loop at a fixed rate over keep-alive connections; latency from the moment each request was due. */
async function fixedRate(
  host: string,
  port: number,
  seconds: number,
  agent = sharedAgent,
): Promise<{ p50: number; p99: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const total = FIXED_RATE_PER_S * seconds;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * FIXED_RATE_PER_S) / 1000));
    for (; sent < due; sent += 1) {
      const dueAt = started + (sent * 1000) / FIXED_RATE_PER_S;
      pending.push(
        oneRequest(host, port, agent).then(
          () => {
            latencies.push(performance.now() - dueAt);
          },
          (error: Error) => {
            if (errors === 0) log(`fixed-rate request failed: ${(error as { code?: string }).code ?? error.message}`);
            errors += 1;
          },
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 1000) / 1000;
  return { p50: at(0.5), p99: at(0.99), errors };
}

interface Target {
  readonly name: 'haproxy' | 'direct' | 'lattice';
  readonly host: string;
  readonly port: number;
  readonly proxyPids: readonly number[];
}

interface Round {
  readonly rps: number;
  readonly cpuMsPer1k: number | null;
  readonly cpuUserMsPer1k: number | null;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/** One round on one target: wrk at full speed, then the fixed 1k req/s run on a warmed keep-alive pool. */
async function measureRound(target: Target, seconds: number): Promise<Round> {
  const { name, host, port, proxyPids } = target;
  await waitAnswering(host, port);
  sharedAgent.destroy();
  sharedAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  const cpuBefore = cpuMs(proxyPids);
  const load = wrk(host, port, seconds);
  const cpuAfter = cpuMs(proxyPids);
  const per1k = (ms: number) => (proxyPids.length > 0 ? Math.round((ms / (load.requests / 1000)) * 100) / 100 : null);
  // The warm-up opens the client's keep-alive connections (and, through proxies, their TLS sessions) first.
  await fixedRate(host, port, 1);
  const fixed = await fixedRate(host, port, seconds);
  const round: Round = {
    rps: Math.round(load.rps),
    cpuMsPer1k: per1k(cpuAfter.total - cpuBefore.total),
    cpuUserMsPer1k: per1k(cpuAfter.user - cpuBefore.user),
    p50: fixed.p50,
    p99: fixed.p99,
    errors: load.errors + fixed.errors,
  };
  log(`${name}: ${JSON.stringify(round)}`);
  return round;
}

/** Medians over the rounds (each round's figures are kept too, to show the noise). */
function summarise(target: Target, rounds: readonly Round[]): Figures & { rounds_rps_max: number[] } {
  const cpu = rounds.map((round) => round.cpuMsPer1k).filter((value): value is number => value !== null);
  const cpuUser = rounds.map((round) => round.cpuUserMsPer1k).filter((value): value is number => value !== null);
  const { proxyPids } = target;
  return {
    rps_max: median(rounds.map((round) => round.rps)),
    p50_ms_1k: median(rounds.map((round) => round.p50)),
    p99_ms_1k: median(rounds.map((round) => round.p99)),
    cpu_ms_per_1k_req: cpu.length > 0 ? median(cpu) : null,
    cpu_user_ms_per_1k_req: cpuUser.length > 0 ? median(cpuUser) : null,
    rss_mb_per_proxy:
      proxyPids.length > 0
        ? Math.round((proxyPids.reduce((sum, pid) => sum + rssMb(pid), 0) / proxyPids.length) * 10) / 10
        : null,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    rounds_rps_max: rounds.map((round) => round.rps),
  };
}

/** What a TLS client with web's leaf negotiates with a server side: the fairness check between the two pairs. */
async function negotiated(host: string, port: number, leaf: LeafCredentials, servername: string): Promise<string> {
  const socket = tlsConnect({
    host,
    port,
    servername,
    cert: leaf.certPem,
    key: leaf.keyPem,
    rejectUnauthorized: false,
  });
  try {
    await once(socket, 'secureConnect');
    const keyExchange = (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name ?? 'unknown';
    return `${socket.getProtocol()} ${socket.getCipher().standardName} ${keyExchange}`;
  } finally {
    socket.destroy();
  }
}

async function main(): Promise<void> {
  const numberArg = (flag: string, fallback: number, max: number) => {
    const position = process.argv.indexOf(flag);
    return position > 0 ? Math.max(1, Math.min(max, Number(process.argv[position + 1]) || fallback)) : fallback;
  };
  const seconds = numberArg('--seconds', 5, 60);
  const roundsCount = numberArg('--rounds', 3, 20);
  // --instructions: count each proxy's user-space instructions per request under callgrind instead of timing.
  const instructions = process.argv.includes('--instructions');
  const requestsCounted = numberArg('--requests', 5_000, 1_000_000);
  const warmupRequests = numberArg('--warmup', 20_000, 1_000_000);
  const keepDumps = process.argv.includes('--keep-dumps');
  // Lattice's default carries callers' connections as streams of one mTLS session per endpoint; --no-mux dials per
  // connection like HAProxy's pair does, for comparison.
  const multiplex = !process.argv.includes('--no-mux');
  // Requests in flight during the count: how much a proxy can batch per event-loop turn depends on it.
  const concurrency = numberArg('--concurrency', COUNTED_CONCURRENCY, 64);
  // --only lattice[,haproxy,direct]: a shorter run over some of the paths; --no-managed skips the managed-mode RSS.
  const onlyPosition = process.argv.indexOf('--only');
  const only = new Set(
    onlyPosition > 0 ? (process.argv[onlyPosition + 1] ?? '').split(',') : ['lattice', 'haproxy', 'direct'],
  );
  for (const name of only) {
    if (!['lattice', 'haproxy', 'direct'].includes(name))
      throw new Error(`--only takes lattice, haproxy, direct: not ${name}`);
  }
  const managedMode = !process.argv.includes('--no-managed') && only.has('lattice');
  if (instructions) {
    const missing = callgrindMissing();
    if (missing) throw new Error(`--instructions needs callgrind: ${missing}`);
  }
  const loadBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  const temp = mkdtempSync(join(tmpdir(), 'proxy-pair-'));
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode !== null) continue;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // --keep-dumps leaves the callgrind dumps (and configs) for callgrind_annotate.
    if (keepDumps) log(`kept ${temp}`);
    else rmSync(temp, { recursive: true, force: true });
  };
  try {
    const { generateRoot, validateCaConfig } = await import('../connect/index.js');
    const { signer, root } = await generateRoot({
      clusterId: CLUSTER_ID,
      config: validateCaConfig({}),
      nowMs: Date.now() - 3_600_000,
    });
    const roots: RootsSnapshot = { trustDomain: signer.trustDomain, rootPems: [root.RootCert] };
    const proxyPrefix = instructions ? callgrindPrefix(temp) : [];
    const startDeadlineMs = instructions ? 300_000 : 10_000;

    const appPath = join(fileURLToPath(new URL('../..', import.meta.url)), '../shared/anchors/lib/tiny-app.mjs');
    const app = spawn(
      process.execPath,
      [appPath, '--listen', `${APP.host}:${APP.port}`, '--size', '64', '--max-seconds', '600'],
      {
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    );
    children.push(app);
    await waitAnswering(APP.host, APP.port);

    // Lattice: api's sidecar (public listener), then web's (upstream listener), one process each.
    const api = await spawnReady(
      [
        self,
        '--sidecar',
        JSON.stringify({
          service: 'api',
          roots,
          leaf: await mint('api', signer),
          address: '127.6.0.3',
          localServicePort: APP.port,
          multiplex,
        } satisfies SidecarSpec),
      ],
      'api sidecar',
      proxyPrefix,
    );
    children.push(api.child);
    const webLeaf = await mint('web', signer);
    const web = await spawnReady(
      [
        self,
        '--sidecar',
        JSON.stringify({
          service: 'web',
          roots,
          leaf: webLeaf,
          address: '127.6.0.2',
          localServicePort: 9,
          upstream: {
            name: 'api',
            bindAddress: '127.6.0.2',
            endpoints: [{ address: '127.6.0.3', port: api.port, service: 'api' }],
          },
          multiplex,
        } satisfies SidecarSpec),
      ],
      'web sidecar',
      proxyPrefix,
    );
    children.push(web.child);

    // HAProxy: the same CA; the server side's leaf also carries a DNS name so HAProxy can check the server identity.
    const apiHaproxy = await mint('api', signer, ['api.mesh']);
    const webHaproxy = await mint('web', signer);
    writeFileSync(join(temp, 'ca.pem'), root.RootCert);
    writeFileSync(join(temp, 'server.pem'), `${apiHaproxy.certPem}\n${apiHaproxy.keyPem}`);
    writeFileSync(join(temp, 'client.pem'), `${webHaproxy.certPem}\n${webHaproxy.keyPem}`);
    const defaults = 'defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n';
    const global = 'global\n  nbthread 1\n  maxconn 4000\n';
    writeFileSync(
      join(temp, 'server.cfg'),
      `${global}${defaults}listen inbound\n  bind ${HAPROXY_SERVER.host}:${HAPROXY_SERVER.port} ssl crt ${temp}/server.pem ca-file ${temp}/ca.pem verify required\n  server app ${APP.host}:${APP.port}\n`,
    );
    writeFileSync(
      join(temp, 'client.cfg'),
      `${global}${defaults}listen outbound\n  bind ${HAPROXY_CLIENT.host}:${HAPROXY_CLIENT.port}\n  server upstream ${HAPROXY_SERVER.host}:${HAPROXY_SERVER.port} ssl crt ${temp}/client.pem ca-file ${temp}/ca.pem verify required verifyhost api.mesh sni str(api.mesh)\n`,
    );
    const haproxyBin = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((path) => {
      try {
        readFileSync(path);
        return true;
      } catch {
        return false;
      }
    });
    const targets: Target[] = [];
    const tls: Record<string, string> = {
      lattice: await negotiated(
        '127.6.0.3',
        api.port,
        webLeaf,
        serviceSni({ service: 'api', datacenter: 'dc1', trustDomain: signer.trustDomain }),
      ),
    };
    if (haproxyBin && only.has('haproxy')) {
      const startHaproxy = (config: string) => {
        const [command, ...args] = [...proxyPrefix, haproxyBin, '-db', '-f', join(temp, config)];
        return spawn(command!, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      };
      const server = startHaproxy('server.cfg');
      children.push(server);
      const client = startHaproxy('client.cfg');
      children.push(client);
      await waitAnswering(HAPROXY_CLIENT.host, HAPROXY_CLIENT.port, startDeadlineMs);
      tls.haproxy = await negotiated(HAPROXY_SERVER.host, HAPROXY_SERVER.port, webHaproxy, 'api.mesh');
      targets.push({ name: 'haproxy', ...HAPROXY_CLIENT, proxyPids: [client.pid!, server.pid!] });
    } else if (only.has('haproxy')) {
      log('haproxy not installed (apt-get install haproxy); its figures are left out');
    }
    if (only.has('direct')) targets.push({ name: 'direct', ...APP, proxyPids: [] });
    if (only.has('lattice')) {
      targets.push({ name: 'lattice', host: '127.6.0.2', port: web.port, proxyPids: [web.child.pid!, api.child.pid!] });
    }
    log(`TLS between the proxies: ${JSON.stringify(tls)}`);
    // Same TLS on both pairs (measured, not assumed), one thread per HAProxy and one process per sidecar, and how
    // each pair carries its upstream TLS.
    const fairness = {
      tls,
      haproxy_nbthread: 1,
      lattice_processes_per_proxy: 1,
      lattice_upstream_tls: multiplex ? 'one multiplexed session per endpoint' : 'one connection per caller',
      haproxy_upstream_tls: 'one connection per caller',
    };
    if (instructions) {
      const counted: Record<string, { outbound_ir_per_req: number; inbound_ir_per_req: number }> = {};
      for (const target of targets.filter((entry) => entry.proxyPids.length === 2)) {
        log(`${target.name}: ${warmupRequests} warm-up requests, then ${requestsCounted} counted`);
        const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
        // One new connection at a time: eight TLS handshakes at once under valgrind outlast the dial timeout.
        for (let width = 1; width <= concurrency; width += 1) {
          await Promise.all(Array.from({ length: width }, () => oneRequest(target.host, target.port, agent)));
        }
        await requestsOn(target, warmupRequests, agent, concurrency);
        const [outbound, inbound] = await countInstructions(target.proxyPids, temp, () =>
          requestsOn(target, requestsCounted, agent, concurrency),
        );
        agent.destroy();
        counted[target.name] = {
          outbound_ir_per_req: Math.round(outbound! / requestsCounted),
          inbound_ir_per_req: Math.round(inbound! / requestsCounted),
        };
        log(`${target.name}: ${JSON.stringify(counted[target.name])}`);
      }
      console.log(
        JSON.stringify({
          bench: 'proxy-pair',
          mode: 'instructions',
          requests: requestsCounted,
          warmup: warmupRequests,
          concurrency,
          ...counted,
          fairness,
        }),
      );
      return;
    }

    // Rounds alternate the targets (rotating the order) so that noise from whatever else runs on the machine falls
    // on all of them alike; each figure is the median over the rounds.
    const rounds = new Map<Target, Round[]>(targets.map((target) => [target, []]));
    for (let round = 0; round < roundsCount; round += 1) {
      for (let step = 0; step < targets.length; step += 1) {
        const target = targets[(round + step) % targets.length]!;
        log(
          `round ${round + 1}/${roundsCount} ${target.name}: wrk -t1 -c32 -d${seconds}s, then ${FIXED_RATE_PER_S} req/s`,
        );
        rounds.get(target)!.push(await measureRound(target, seconds));
      }
    }
    const figures = (name: Target['name']) => {
      const target = targets.find((entry) => entry.name === name);
      return target ? summarise(target, rounds.get(target)!) : null;
    };
    const haproxy = figures('haproxy');
    const direct = figures('direct');
    const lattice: Figures | null = figures('lattice');

    if (lattice && managedMode) {
      log(`managed mode: ${MANAGED_SERVICES} services on one manager`);
      const leaves: LeafCredentials[] = [];
      for (let position = 0; position < MANAGED_SERVICES; position += 1)
        leaves.push(await mint(`svc-${position}`, signer));
      writeFileSync(join(temp, 'managed.json'), JSON.stringify({ roots, leaves }));
      const managedOut = execFileSync(
        process.execPath,
        ['--expose-gc', self, '--managed', join(temp, 'managed.json')],
        {
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      const managed = JSON.parse(managedOut.trim().split('\n').at(-1)!) as {
        first: number;
        all: number;
        services: number;
      };
      lattice.rss_mb_per_extra_service =
        Math.round(((managed.all - managed.first) / (managed.services - 1)) * 1000) / 1000;
    }

    console.log(
      JSON.stringify({
        bench: 'proxy-pair',
        seconds,
        rounds: roundsCount,
        lattice,
        haproxy,
        direct,
        fairness,
        load_average: { before: loadBefore, after: loadavg().map((value) => Math.round(value * 100) / 100) },
      }),
    );
  } finally {
    await stopAll();
  }
}

if (process.argv[2] === '--sidecar') await runSidecar(JSON.parse(process.argv[3]!) as SidecarSpec);
else if (process.argv[2] === '--managed') await runManaged(process.argv[3]!);
else await main();
