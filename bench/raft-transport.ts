// Raft message delivery between two processes, the gRPC Messages stream against the framed socket in the same
// run: this process (n1, 127.46.0.1) sends an append of 2 entries (256-byte values, as a KV PUT's) and waits for
// the append-response from an echo process (n2, 127.46.0.2), ROUND_TRIPS times after WARMUP round trips, one
// message in flight (the one-client KV PUT's leader->follower->leader hop). Both ends use the same path: an
// echo process is started per mode and round, and the modes alternate (grpc, framed, grpc, framed...) so
// background load hits both. CPU is both processes' user+system time per round trip (/proc/PID/stat).
// Output: the last stdout line is {"bench":"raft-transport","grpc":{...},"framed":{...}} with mean_ms, p50_ms,
// p99_ms, cpu_us_per_round_trip. Env: ROUND_TRIPS (5000), WARMUP (500), ROUNDS (2), TLS (0; 1 = mutual TLS),
// MODES (grpc,framed).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../lib/clock.js';
import { silentLogger } from '../lib/log.js';
import { SeededRand } from '../lib/rand.js';
import { emptyMessage, type RaftMessage } from '../raft/core/types.js';
import { mutualTlsConfig } from '../raft/testing/tls-fixtures.js';
import { GrpcTransport } from '../raft/transport/grpc-transport.js';
import { type RaftTlsConfig, tlsOff } from '../raft/transport/tls.js';

type Mode = 'grpc' | 'framed';
const roundTrips = Number(process.env['ROUND_TRIPS'] ?? 5000);
const warmup = Number(process.env['WARMUP'] ?? 500);
const rounds = Number(process.env['ROUNDS'] ?? 2);
const modes = (process.env['MODES'] ?? 'grpc,framed').split(',') as Mode[];
const valueSizeBytes = 256;

function transport(id: string, host: string, mode: Mode, tls: RaftTlsConfig): GrpcTransport {
  return new GrpcTransport(
    { clock: new RealClock(), rand: new SeededRand(1), log: silentLogger() },
    { localId: id, bindAddress: `${host}:0`, tls, framedMessages: mode === 'framed' },
  );
}

function append(index: number): RaftMessage {
  const entry = (at: number) => ({ index: at, term: 3, type: 'normal' as const, data: new Uint8Array(valueSizeBytes) });
  return {
    ...emptyMessage,
    type: 'append',
    from: 'n1',
    to: 'n2',
    term: 3,
    index,
    logTerm: 3,
    entries: [entry(index + 1), entry(index + 2)],
    commit: index,
  };
}

/** The echo side: answers every append with its response; prints its address, runs until killed. */
async function runEcho(): Promise<void> {
  const mode = process.env['MODE'] as Mode;
  const tls = JSON.parse(process.env['TLS_CONFIG'] ?? '{"enabled":false}') as RaftTlsConfig;
  const echo = transport('n2', '127.46.0.2', mode, revive(tls));
  await echo.start();
  echo.setPeer('n1', process.env['PEER'] as string);
  echo.onMessage((message) => {
    echo.send({ ...emptyMessage, type: 'append-response', from: 'n2', to: 'n1', term: 3, index: message.index + 2 });
  });
  process.stdout.write(`${JSON.stringify({ address: echo.localAddress })}\n`);
}

/** PEM fields travel to the echo process as arrays of bytes. */
function revive(tls: RaftTlsConfig): RaftTlsConfig {
  if (!tls.enabled) return tls;
  const bytes = (value: unknown) => Uint8Array.from(Object.values(value as Record<string, number>));
  return { ...tls, caPem: bytes(tls.caPem), certPem: bytes(tls.certPem), keyPem: bytes(tls.keyPem) };
}

function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime (fields 14 and 15 of stat, 12 and 13 after the command name) in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function measure(mode: Mode, tls: RaftTlsConfig): Promise<{ samples: number[]; cpuMicros: number }> {
  const sender = transport('n1', '127.46.0.1', mode, tls);
  await sender.start();
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, ROLE: 'echo', MODE: mode, PEER: sender.localAddress, TLS_CONFIG: JSON.stringify(tls) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').once('data', (chunk: string) => resolve(chunk));
      child.once('exit', (code) => reject(new Error(`echo process exited with ${code}`)));
    });
    sender.setPeer('n2', (JSON.parse(line) as { address: string }).address);
    let answer: (() => void) | null = null;
    sender.onMessage(() => answer?.());
    // A peer that never answers (refused TLS, wrong address) fails the bench instead of hanging it.
    const roundTrip = (index: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no answer from the echo process within 10 s (${mode})`)),
          10_000,
        );
        answer = () => {
          clearTimeout(timer);
          resolve();
        };
        sender.send(append(index));
      });
    for (let index = 0; index < warmup; index++) await roundTrip(index * 2);
    const samples: number[] = [];
    const cpuBefore = process.cpuUsage();
    const childCpuBefore = cpuMicros(child.pid as number);
    for (let index = warmup; index < warmup + roundTrips; index++) {
      const started = process.hrtime.bigint();
      await roundTrip(index * 2);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const own = process.cpuUsage(cpuBefore);
    const cpu = own.user + own.system + cpuMicros(child.pid as number) - childCpuBefore;
    return { samples, cpuMicros: cpu };
  } finally {
    child.kill();
    await sender.stop();
  }
}

function summary(samples: number[], cpu: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => Number((sorted[Math.floor(fraction * (sorted.length - 1))] as number).toFixed(4));
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return {
    mean_ms: Number(mean.toFixed(4)),
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    cpu_us_per_round_trip: Math.round(cpu / samples.length),
  };
}

async function main(): Promise<void> {
  let tls: RaftTlsConfig = tlsOff;
  if (process.env['TLS'] === '1') {
    // The fixture's certificate names 127.0.0.1 and this, not our 127.46.0.x addresses.
    tls = await mutualTlsConfig('server.dc1.lattice');
  }
  const collected: Record<Mode, { samples: number[]; cpuMicros: number }> = {
    grpc: { samples: [], cpuMicros: 0 },
    framed: { samples: [], cpuMicros: 0 },
  };
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const result = await measure(mode, tls);
      collected[mode].samples.push(...result.samples);
      collected[mode].cpuMicros += result.cpuMicros;
      process.stderr.write(
        `[raft-transport] round ${round + 1} ${mode}: ${JSON.stringify(summary(result.samples, result.cpuMicros))}\n`,
      );
    }
  }
  const output = {
    bench: 'raft-transport',
    tls: tls.enabled,
    round_trips: roundTrips * rounds,
    ...Object.fromEntries(modes.map((mode) => [mode, summary(collected[mode].samples, collected[mode].cpuMicros)])),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

if (process.env['ROLE'] === 'echo') await runEcho();
else await main();
