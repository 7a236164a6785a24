// `lattice debug raft-kv` (hidden): one Raft server with a server's storage (segment WAL log, level stable store),
// the gRPC transport and a tiny KV state machine behind a small HTTP front, for integration tests and benchmarks of
// raft/ on real processes.
//   PUT /kv/<key>          body = value; 200 {"index"} once committed and applied, 503 + X-Raft-Leader otherwise
//   GET /kv/<key>          local value (?consistent for a ReadIndex read first); 404 when absent
//   GET /kv                every key and value here, as one JSON object
//   GET /status            this server's RaftNode.stats()
//   POST /snapshot         take a snapshot now
// Consul's manual outage recovery works here too: a <data-dir>/raft/peers.json is applied at start and deleted.

import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RealClock } from '../../lib/clock.js';
import { findCause, LatticeError, ShutdownError, TimeoutError, ValidationError } from '../../lib/errors.js';
import { createLogger, parseLogLevel } from '../../lib/log.js';
import { randomSeed, SeededRand } from '../../lib/rand.js';
import { LeadershipLostError, NotLeaderError } from '../../raft/errors.js';
import { RaftNode } from '../../raft/node.js';
import { FileSnapshotStore } from '../../raft/storage/file-snapshot-store.js';
import { LevelStableStore } from '../../raft/storage/level-stable-store.js';
import { openRaftLogStore } from '../../raft/storage/wal/open-raft-log.js';
import { encodeKvCommand, KvFsm } from '../../raft/testing/kv-fsm.js';
import { GrpcTransport } from '../../raft/transport/grpc-transport.js';
import { type RaftTlsConfig, tlsOff } from '../../raft/transport/tls.js';

interface RaftKvOptions {
  readonly id: string;
  readonly bind: string;
  readonly peers: string;
  readonly dataDir: string;
  readonly http: string;
  readonly tickMs: string;
  readonly snapshotThreshold: string;
  readonly snapshotIntervalMs: string;
  readonly trailingLogs: string;
  readonly logLevel: string;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

const bodySizeBytesMax = 64 * 1024;
const readTimeoutMs = 10_000;

function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isSafeInteger(port) || port <= 0 || port > 65_535) {
    throw new ValidationError(`expected host:port, got "${address}"`);
  }
  return { host: address.slice(0, colon), port };
}

function parsePeers(text: string): { id: string; address: string }[] {
  return text
    .split(',')
    .filter((item) => item.length > 0)
    .map((item) => {
      const [id, address] = item.split('=');
      if (!id || !address) throw new ValidationError(`--peers expects id=host:port,..., got "${item}"`);
      splitHostPort(address);
      return { id, address };
    });
}

function positive(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new ValidationError(`${flag} must be a non-negative integer`);
  return parsed;
}

/** The one TLS config object: off unless all three files are given (verify_incoming on, as servers do). */
async function tlsConfig(options: RaftKvOptions): Promise<RaftTlsConfig> {
  const files = [options.tlsCa, options.tlsCert, options.tlsKey];
  if (files.every((file) => file === undefined)) return tlsOff;
  if (files.some((file) => file === undefined)) {
    throw new ValidationError('--tls-ca, --tls-cert and --tls-key go together');
  }
  return {
    enabled: true,
    caPem: await readFile(options.tlsCa as string),
    certPem: await readFile(options.tlsCert as string),
    keyPem: await readFile(options.tlsKey as string),
    verifyIncoming: true,
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    sizeBytes += chunk.byteLength;
    if (sizeBytes > bodySizeBytesMax) throw new ValidationError(`body over ${bodySizeBytesMax} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The one place a Raft error becomes an HTTP status (STYLE §3.5). */
function statusForError(error: unknown): number {
  if (findCause(error, ValidationError)) return 400;
  if (findCause(error, NotLeaderError) || findCause(error, LeadershipLostError)) return 503;
  if (findCause(error, ShutdownError)) return 503;
  if (findCause(error, TimeoutError)) return 504;
  return 500;
}

function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  // A content length spares chunked framing: one write per response on the hot path.
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

export function registerDebugRaftKv(program: Command): void {
  const debug =
    program.commands.find((command) => command.name() === 'debug') ??
    program.command('debug', { hidden: true }).description('Debugging tools for Lattice developers');
  debug
    .command('raft-kv')
    .description('Runs one Raft server with a tiny KV state machine behind HTTP (for tests and benchmarks)')
    .requiredOption('--id <id>', 'server id')
    .requiredOption('--bind <host:port>', 'Raft gRPC address')
    .requiredOption('--peers <list>', 'initial voters as id=host:port,...')
    .requiredOption('--data-dir <dir>', 'data directory')
    .requiredOption('--http <host:port>', 'HTTP address')
    .option('--tick-ms <ms>', 'milliseconds per Raft tick (election after 10-20 ticks)', '50')
    .option('--snapshot-threshold <n>', 'applied entries between snapshots', '16384')
    .option('--snapshot-interval-ms <ms>', 'how often the snapshot threshold is checked', '30000')
    .option('--trailing-logs <n>', 'log entries kept behind a snapshot', '10240')
    .option('--log-level <level>', 'TRACE, DEBUG, INFO, WARN or ERROR', 'INFO')
    .option('--tls-ca <file>', 'PEM CA bundle; with --tls-cert and --tls-key turns on mutual TLS between servers')
    .option('--tls-cert <file>', 'PEM certificate of this server')
    .option('--tls-key <file>', 'PEM private key of this server')
    .action(async (options: RaftKvOptions) => {
      await runRaftKv(options);
    });
}

async function runRaftKv(options: RaftKvOptions): Promise<void> {
  const log = createLogger({ level: parseLogLevel(options.logLevel) }).child({ module: `raft-kv ${options.id}` });
  const clock = new RealClock();
  const rand = new SeededRand(randomSeed());
  const peers = parsePeers(options.peers);
  const http = splitHostPort(options.http);
  await mkdir(join(options.dataDir, 'raft'), { recursive: true });
  const stableStore = await LevelStableStore.open(join(options.dataDir, 'raft', 'stable'));
  const logStore = await openRaftLogStore(join(options.dataDir, 'raft'), log);
  const snapshotStore = await FileSnapshotStore.open(join(options.dataDir, 'snapshots'), { log });
  const transport = new GrpcTransport(
    { clock, rand, log: log.child({ module: 'raft-transport' }) },
    { localId: options.id, bindAddress: options.bind, tls: await tlsConfig(options) },
  );
  const fsm = new KvFsm();
  const node = new RaftNode(
    { clock, rand, log, logStore, stableStore, snapshotStore, transport, fsm },
    {
      id: options.id,
      tickMs: positive(options.tickMs, '--tick-ms'),
      snapshotThreshold: positive(options.snapshotThreshold, '--snapshot-threshold'),
      snapshotIntervalMs: positive(options.snapshotIntervalMs, '--snapshot-interval-ms'),
      trailingLogs: positive(options.trailingLogs, '--trailing-logs'),
      bootstrap: peers,
      raftDir: join(options.dataDir, 'raft'),
    },
  );
  node.on('leader-change', ({ leaderId, term }) => log.info({ leaderId, term }, 'leader changed'));
  let stopping: Promise<void> | null = null;
  const shutdown = (code: number): Promise<void> => {
    stopping ??= (async () => {
      server.close();
      await node.stop().catch((error: unknown) => log.error({ err: error }, 'stopping raft failed'));
      await logStore.close();
      await stableStore.close();
      process.exit(code);
    })();
    return stopping;
  };
  node.on('fatal', ({ error }) => {
    log.error({ err: error }, 'raft failed');
    void shutdown(1);
  });

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = statusForError(error);
      const notLeader = findCause(error, NotLeaderError);
      const headers: Record<string, string> = notLeader?.leaderId ? { 'x-raft-leader': notLeader.leaderId } : {};
      reply(
        response,
        status,
        { error: error instanceof LatticeError ? error.code : 'ERR_INTERNAL', message: String(error) },
        headers,
      );
      if (status === 500) log.error({ err: error }, 'request failed');
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://raft-kv');
    const key = url.pathname.startsWith('/kv/') ? decodeURIComponent(url.pathname.slice(4)) : null;
    if (request.method === 'PUT' && key) {
      const value = await readBody(request);
      // No per-request timeout signal (a timer per write costs ~5% CPU at load): a proposal always settles,
      // since a leader that loses its quorum steps down (check-quorum) and rejects what it holds.
      const result = await node.propose(encodeKvCommand({ op: 'put', key, value }));
      reply(response, 200, { index: result.index });
    } else if (request.method === 'GET' && key) {
      if (url.searchParams.has('consistent')) await node.read({ signal: AbortSignal.timeout(readTimeoutMs) });
      const value = fsm.get(key);
      if (value === undefined) reply(response, 404, { error: 'ERR_NOT_FOUND' });
      else reply(response, 200, { key, value });
    } else if (request.method === 'GET' && url.pathname === '/kv') {
      reply(response, 200, Object.fromEntries(fsm.entries()));
    } else if (request.method === 'GET' && url.pathname === '/status') {
      reply(response, 200, { ...node.stats(), pid: process.pid });
    } else if (request.method === 'POST' && url.pathname === '/snapshot') {
      reply(response, 200, { taken: await node.snapshotNow() });
    } else {
      reply(response, 404, { error: 'ERR_NOT_FOUND' });
    }
  }

  await node.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(http.port, http.host, () => resolve());
  });
  log.info({ raft: options.bind, http: options.http }, 'raft-kv server running');
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
}
