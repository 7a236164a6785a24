// Synced-append latency of the Raft log's write mechanisms, side by side in one run: the one figure behind a
// follower's "ready -> entries stored" step. WRITERS processes (3: a leader and two followers on one disk) each
// append one 300-byte entry at a time in a closed loop for DURATION_S seconds, per variant; rounds alternate the
// variants so background load hits all of them. Variants:
//   level             LevelLogStore.storeEntries (one synced LevelDB batch)
//   wal               WalLogStore.storeEntries (the segment WAL Lattice uses)
//   write-fdatasync   write() then fdatasync() on a preallocated file (two threadpool hops)
//   odsync-write      write() on a preallocated file opened with O_DSYNC (one hop)
//   writev-fdatasync  writev() of frame header and record, then fdatasync()
//   odsync-writev     writev() on an O_DSYNC file
// Progress goes to stderr; the last stdout line is {"bench":"raft-log-append","variants":{NAME:{mean_ms,p50_ms,
// p99_ms,appends}}}. Env: DURATION_S (3), ROUNDS (3), WRITERS (3), VARIANTS (comma list, default all),
// BENCH_DIR (a directory on the disk to measure; default os.tmpdir()).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Entry } from '../raft/core/types.js';
import { encodeEntryRecord } from '../raft/storage/entry-codec.js';
import { LevelLogStore } from '../raft/storage/level-log-store.js';
import type { LogStore } from '../raft/storage/log-store.js';
import { WalLogStore } from '../raft/storage/wal/wal-log-store.js';

const entrySizeBytes = 300;
const fileSizeBytes = 64 * 1024 * 1024;
const allVariants = ['level', 'wal', 'write-fdatasync', 'odsync-write', 'writev-fdatasync', 'odsync-writev'];
type Append = (entry: Entry) => Promise<void>;

function callback<T>(run: (done: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** A file of real zero blocks, so appends inside it have no size or extent metadata to sync. */
function preallocate(path: string, flags: number): number {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | flags);
  const zeros = Buffer.alloc(1024 * 1024);
  for (let offset = 0; offset < fileSizeBytes; offset += zeros.byteLength)
    fs.writeSync(fd, zeros, 0, zeros.length, offset);
  fs.fdatasyncSync(fd);
  return fd;
}

async function rawAppender(dir: string, variant: string): Promise<{ append: Append; close: () => Promise<void> }> {
  const dsync = variant.startsWith('odsync') ? fs.constants.O_DSYNC : 0;
  const fd = preallocate(join(dir, 'segment'), dsync);
  let position = 0;
  const header = Buffer.alloc(24);
  const append: Append = async (entry) => {
    const record = encodeEntryRecord(entry);
    if (variant.includes('writev')) {
      await callback<number>((done) => fs.writev(fd, [header, record], position, done));
    } else {
      const frame = Buffer.allocUnsafe(header.byteLength + record.byteLength);
      header.copy(frame);
      frame.set(record, header.byteLength);
      await callback<number>((done) => fs.write(fd, frame, 0, frame.byteLength, position, done));
    }
    position += header.byteLength + record.byteLength;
    if (!dsync) await callback<void>((done) => fs.fdatasync(fd, done));
  };
  return { append, close: async () => fs.closeSync(fd) };
}

async function storeAppender(store: LogStore): Promise<{ append: Append; close: () => Promise<void> }> {
  return { append: (entry) => store.storeEntries([entry]), close: () => store.close() };
}

async function openAppender(dir: string, variant: string) {
  if (variant === 'level') return storeAppender(await LevelLogStore.open(join(dir, 'log')));
  if (variant === 'wal') {
    const walDir = join(dir, 'wal');
    const store = await WalLogStore.open(walDir);
    // Steady state: the next segment is prepared once per 64 MiB of log, not while every append is timed.
    while (!fs.readdirSync(walDir).some((name) => name.endsWith('.ready'))) await pause(20);
    return storeAppender(store);
  }
  return rawAppender(dir, variant);
}

/** Child: appends until the deadline, then prints every latency in microseconds as one JSON line. */
async function runWriter(variant: string, dir: string, durationMs: number): Promise<void> {
  const { append, close } = await openAppender(dir, variant);
  const data = new Uint8Array(entrySizeBytes).fill(0x61);
  const latenciesUs: number[] = [];
  // Warm-up: the first appends pay for page faults and lazy initialisation.
  for (let index = 1; index <= 50; index++) await append({ index, term: 1, type: 'normal', data });
  const deadline = performance.now() + durationMs;
  for (let index = 51; performance.now() < deadline; index++) {
    const started = performance.now();
    await append({ index, term: 1, type: 'normal', data });
    latenciesUs.push(Math.round((performance.now() - started) * 1000));
  }
  await close();
  process.stdout.write(`${JSON.stringify(latenciesUs)}\n`);
}

function runRound(variant: string, writers: number, durationMs: number, root: string): Promise<number[]> {
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: writers }, (_, position) => {
    const dir = join(root, `${variant}-${position}-${Date.now()}`);
    fs.mkdirSync(dir, { recursive: true });
    const child = spawn(process.execPath, [self, '--writer', variant, dir, String(durationMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    return new Promise<number[]>((resolve, reject) =>
      child.once('exit', (code) => {
        fs.rmSync(dir, { recursive: true, force: true });
        if (code !== 0) reject(new Error(`${variant} writer exited with ${code}`));
        else resolve(JSON.parse(output.trim().split('\n').pop() as string) as number[]);
      }),
    );
  });
  return Promise.all(children).then((results) => results.flat());
}

function summarise(latenciesUs: number[]) {
  const sorted = [...latenciesUs].sort((a, b) => a - b);
  const at = (fraction: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0) / 1000;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length) / 1000;
  return { mean_ms: Number(mean.toFixed(3)), p50_ms: at(0.5), p99_ms: at(0.99), appends: sorted.length };
}

async function main(): Promise<void> {
  const durationMs = Number(process.env['DURATION_S'] ?? 3) * 1000;
  const rounds = Number(process.env['ROUNDS'] ?? 3);
  const writers = Number(process.env['WRITERS'] ?? 3);
  const variants = (process.env['VARIANTS'] ?? allVariants.join(',')).split(',');
  const root = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'lattice-log-append-'));
  const collected = new Map<string, number[]>(variants.map((variant) => [variant, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        process.stderr.write(`[raft-log-append] round ${round}/${rounds}: ${variant}\n`);
        collected.get(variant)?.push(...(await runRound(variant, writers, durationMs, root)));
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const figures = Object.fromEntries(variants.map((variant) => [variant, summarise(collected.get(variant) ?? [])]));
  process.stdout.write(`${JSON.stringify({ bench: 'raft-log-append', writers, entrySizeBytes, variants: figures })}\n`);
}

if (process.argv[2] === '--writer') {
  await runWriter(process.argv[3] as string, process.argv[4] as string, Number(process.argv[5]));
} else {
  await main();
}
