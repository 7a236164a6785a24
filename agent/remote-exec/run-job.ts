// One remote exec job on this agent, step for step as Consul's handleRemoteExec (agent/remote_exec.go): decode the
// event, read the job (a stale read first, then a consistent one if the key is not there yet), write `ack`, run the
// command, upload its output in chunks (an empty chunk as a heartbeat whenever the command was quiet for the job's
// Wait), then write `exit`. Anything unreadable stops before the ack, so nothing runs. Once a write is refused (the
// CLI destroyed the session) uploading stops and `exit` becomes 255; the command itself is not killed, as in
// Consul: it runs on with its output discarded (stopping the agent ends it).

import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { UserEvent } from '../events/events.js';
import { ChunkQueue } from './chunk-queue.js';
import { ackKey, exitKey, jobKey, outputKey } from './keys.js';
import type { RemoteExecKv } from './kv-rpc.js';
import type { LaunchedJob, LaunchJob } from './launch.js';
import { defaultOutputChunkerConfig, OutputChunker, type OutputChunkerConfig } from './output-chunker.js';
import { decodeRemoteExecEvent, decodeRemoteExecJob, type RemoteExecEvent, type RemoteExecJob } from './wire.js';

/** Consul's exit code for a job that could not start or whose uploads failed. */
export const failedJobExitCode = 255;
/** Go's WaitStatus.ExitStatus() for a process ended by a signal. */
const signalledExitCode = -1;
/** The CLI's default quiet wait (rExecQuietWait), for a job whose Wait is 0: heartbeats never come back to back. */
const heartbeatIntervalMsDefault = 2_000;
/** One KV write per job every 100 ms at most, whatever -wait says. */
const heartbeatIntervalMsMin = 100;
/** The longest delay a Node timer holds (2^31 - 1 ms, about 24.8 days). */
const heartbeatIntervalMsMax = 2 ** 31 - 1;

export interface RunJobComponents {
  readonly clock: Clock;
  readonly log: Logger;
  readonly kv: RemoteExecKv;
  readonly launch: LaunchJob;
  /** Told each started process and, once it closed, that it is gone (the agent kills those left at stop). */
  readonly onProcess: (child: ChildProcess, state: 'started' | 'closed') => void;
  readonly chunker?: OutputChunkerConfig;
}

export interface RunJobConfig {
  readonly nodeName: string;
}

/** What the log says about the job, without its text: a command line may carry credentials. */
export function jobSummary(job: RemoteExecJob): Record<string, unknown> {
  const text =
    job.kind === 'command'
      ? Buffer.from(job.command)
      : job.kind === 'args'
        ? Buffer.from(job.args.join(' '))
        : Buffer.from(job.script);
  const program =
    job.kind === 'script' ? '(script)' : job.kind === 'args' ? job.args[0] : job.command.trim().split(/\s+/)[0];
  return { kind: job.kind, program, sizeBytes: text.length, sha256: createHash('sha256').update(text).digest('hex') };
}

/**
 * The heartbeat interval: the job's Wait, bounded. Below the minimum, heartbeats would become a stream of Raft
 * writes (a Go agent would write them back to back); above the maximum a Node timer would fire at once.
 */
export function heartbeatIntervalMs(waitMs: number): number {
  if (waitMs <= 0) return heartbeatIntervalMsDefault;
  return Math.min(Math.max(waitMs, heartbeatIntervalMsMin), heartbeatIntervalMsMax);
}

export async function runRemoteExecJob(
  components: RunJobComponents,
  config: RunJobConfig,
  userEvent: UserEvent,
): Promise<void> {
  const { log } = components;
  log.debug({ event: userEvent.id }, 'received remote exec event');
  let event: RemoteExecEvent;
  let job: RemoteExecJob;
  try {
    event = decodeRemoteExecEvent(userEvent.payload);
    const spec = await readJob(components, event);
    if (spec === null) {
      log.debug({ event: userEvent.id, session: event.session }, 'remote exec aborted, job spec missing');
      return;
    }
    job = decodeRemoteExecJob(spec);
  } catch (error) {
    log.error({ event: userEvent.id, reason: (error as Error).message }, 'failed to read remote exec job');
    return;
  }
  const keys = {
    ack: ackKey(event.prefix, event.session, config.nodeName),
    exit: exitKey(event.prefix, event.session, config.nodeName),
    output: (chunkNumber: number) => outputKey(event.prefix, event.session, config.nodeName, chunkNumber),
  };
  if (!(await write(components, keys.ack, null, event.session, 'failed to ack remote exec job'))) return;
  const startedMs = components.clock.nowMs();
  log.info({ event: userEvent.id, session: event.session, ...jobSummary(job) }, 'remote exec job started');
  const exitCode = await execute(components, job, keys.output, event.session);
  log.info(
    {
      event: userEvent.id,
      session: event.session,
      exitCode,
      durationMs: Math.round(components.clock.nowMs() - startedMs),
    },
    'remote exec job finished',
  );
  const exitText = new Uint8Array(Buffer.from(String(exitCode)));
  await write(components, keys.exit, exitText, event.session, 'failed to write exit code for remote exec job');
}

async function readJob(components: RunJobComponents, event: RemoteExecEvent): Promise<Uint8Array | null> {
  const key = jobKey(event.prefix, event.session);
  return (await components.kv.read(key, 'stale')) ?? (await components.kv.read(key, 'consistent'));
}

async function write(
  components: RunJobComponents,
  key: string,
  value: Uint8Array | null,
  session: string,
  failure: string,
): Promise<boolean> {
  try {
    if (await components.kv.writeHeld(key, value, session)) return true;
    components.log.error({ key }, `${failure}: write failed`);
  } catch (error) {
    components.log.error({ key, reason: (error as Error).message }, failure);
  }
  return false;
}

/** Runs the job and uploads its output; resolves with the exit code to report. */
async function execute(
  components: RunJobComponents,
  job: RemoteExecJob,
  outputKeyOf: (chunkNumber: number) => string,
  session: string,
): Promise<number> {
  let launched: LaunchedJob;
  try {
    launched = await components.launch(job);
  } catch (error) {
    components.log.debug({ err: error }, 'failed to start remote exec');
    return failedJobExitCode;
  }
  const { child } = launched;
  const streams = [child.stdout, child.stderr].filter((stream) => stream !== null);
  const queue = new ChunkQueue(components.clock, (full) => {
    for (const stream of streams) full ? stream.pause() : stream.resume();
  });
  const chunker = new OutputChunker(components.clock, components.chunker ?? defaultOutputChunkerConfig, (chunk) =>
    queue.push(chunk),
  );
  for (const stream of streams) stream.on('data', (bytes: Buffer) => chunker.write(bytes));
  const exited = new Promise<number>((resolve) => {
    let startFailed = false;
    child.once('error', (error) => {
      startFailed = true;
      components.log.debug({ err: error }, 'failed to start remote exec');
    });
    child.once('close', (code, signal) => {
      chunker.flush();
      queue.end();
      components.onProcess(child, 'closed');
      void launched.cleanup();
      resolve(startFailed ? failedJobExitCode : (code ?? (signal === null ? failedJobExitCode : signalledExitCode)));
    });
  });
  if (child.pid !== undefined) components.onProcess(child, 'started');
  const quietMs = heartbeatIntervalMs(job.waitMs);
  for (let chunkNumber = 0; ; chunkNumber++) {
    const next = await queue.take(quietMs);
    if (next.kind === 'end') break;
    const value = next.kind === 'chunk' ? new Uint8Array(next.chunk) : null;
    const what = 'failed to write output for remote exec job';
    if (!(await write(components, outputKeyOf(chunkNumber), value, session, what))) {
      queue.discard();
      return failedJobExitCode;
    }
  }
  return exited;
}
