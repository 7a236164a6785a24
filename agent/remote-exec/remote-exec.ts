// The agent's remote exec subsystem: the `_rexec` user events that passed this agent's node/service/tag filters
// arrive here (agent/events). With disable_remote_exec (the default, as in Consul since 0.8) an event is logged and
// ignored: nothing is read, acknowledged or run, exactly as Consul's ingestUserEvent. Otherwise each event runs as
// one job (run-job.ts). Stopping the agent kills the process groups of jobs still running (a Go agent would leave
// them orphaned; a stopped Lattice agent leaves nothing behind), and refuses new events. At most
// remoteExecJobsMax jobs upload at once; an event beyond that is logged and dropped (Consul has no bound).

import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../../lib/clock.js';
import type { AbortOptions, Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { UserEvent } from '../events/events.js';
import type { RemoteExecKv } from './kv-rpc.js';
import { killJob, type LaunchJob, launchJob } from './launch.js';
import type { OutputChunkerConfig } from './output-chunker.js';
import { runRemoteExecJob } from './run-job.js';

/**
 * Jobs uploading at once on one agent. Each holds a process and a stream of KV writes; an operator runs a handful
 * at a time, so this only stops a flood of events from forking without limit.
 */
export const remoteExecJobsMax = 64;

export interface RemoteExecComponents {
  readonly clock: Clock;
  readonly log: Logger;
  readonly kv: RemoteExecKv;
  readonly launch?: LaunchJob;
  readonly chunker?: OutputChunkerConfig;
}

export interface RemoteExecConfig {
  readonly nodeName: string;
  /** `disable_remote_exec`; Consul's default, and Lattice's, is true. */
  readonly disabled: boolean;
}

export class RemoteExec implements Startable {
  private readonly processes = new Set<ChildProcess>();
  private readonly jobs = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly components: RemoteExecComponents,
    private readonly config: RemoteExecConfig,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
  }

  /** A `_rexec` event that matched this agent's filters. */
  handle(event: UserEvent): void {
    if (this.config.disabled) {
      this.components.log.info({ event: event.id }, `ignoring remote exec event (${event.id}), disabled.`);
      return;
    }
    if (this.stopped) return;
    if (this.jobs.size >= remoteExecJobsMax) {
      this.components.log.warn(
        { event: event.id, jobsMax: remoteExecJobsMax },
        'dropping remote exec event: too many remote exec jobs running',
      );
      return;
    }
    const job = runRemoteExecJob(
      {
        clock: this.components.clock,
        log: this.components.log,
        kv: this.components.kv,
        launch: this.components.launch ?? launchJob,
        onProcess: (child, state) => (state === 'started' ? this.processes.add(child) : this.processes.delete(child)),
        ...(this.components.chunker ? { chunker: this.components.chunker } : {}),
      },
      { nodeName: this.config.nodeName },
      event,
    ).catch((error: unknown) => this.components.log.error({ event: event.id, err: error }, 'remote exec job failed'));
    this.jobs.add(job);
    void job.finally(() => this.jobs.delete(job));
  }

  /** How many job processes are running now. */
  get runningProcessCount(): number {
    return this.processes.size;
  }

  /** Kills the running jobs' processes and waits (within the signal) for their exit codes to be written. */
  async stop(options: AbortOptions = {}): Promise<void> {
    this.stopped = true;
    for (const child of this.processes) killJob(child);
    const settled = Promise.allSettled([...this.jobs]);
    const signal = options.signal;
    if (signal === undefined) {
      await settled;
      return;
    }
    if (signal.aborted) return;
    await Promise.race([settled, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
  }
}
