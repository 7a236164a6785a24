// The KV side of `lattice exec` as Consul's CLI does it (command/exec/exec.go): a session ("Remote Exec", behavior
// delete, TTL 15s, renewed every 5s until destroyed) owns the job; the job spec is written to
// `<prefix>/<session>/job` with ?acquire so it is held by that session; the `_rexec` user event carries the prefix
// and session to the agents the filters pick. In another datacenter the session is bound to one of its servers
// (a passing `consul` service instance) with no checks. Cleanup destroys the session first, so no agent can write
// after it (its lock-holding writes fail), then deletes the whole job directory.

import { remoteExecEventName } from '../../agent/events/events.js';
import { jobDirectory, jobKey } from '../../agent/remote-exec/keys.js';
import { encodeRemoteExecEvent, encodeRemoteExecJob, type RemoteExecJob } from '../../agent/remote-exec/wire.js';
import { LatticeError } from '../../lib/errors.js';
import type { HttpClientOptions } from '../http-options.js';
import { agentCall, kvPath, parseJson } from './kv-http.js';

/** Consul's rExecTTL. */
const sessionTtl = '15s';
/** Consul's rExecRenewInterval. */
const sessionRenewIntervalMs = 5_000;

export interface ForeignDatacenter {
  readonly localNode: string;
  readonly localDatacenter: string;
  readonly datacenter: string;
}

export interface EventFilters {
  readonly node: string;
  readonly service: string;
  readonly tag: string;
}

export class RemoteExecJobSession {
  private renewTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly target: HttpClientOptions,
    readonly prefix: string,
    readonly id: string,
    private readonly warn: (line: string) => void,
  ) {}

  /** Creates the session and starts renewing it. */
  static async create(
    target: HttpClientOptions,
    prefix: string,
    foreign: ForeignDatacenter | null,
    log: { info: (line: string) => void; warn: (line: string) => void },
  ): Promise<RemoteExecJobSession> {
    const body: Record<string, unknown> = { Name: 'Remote Exec', Behavior: 'delete', TTL: sessionTtl };
    if (foreign !== null) {
      const node = await remoteServerNode(target);
      log.info(`Binding session to remote node ${node}@${foreign.datacenter}`);
      Object.assign(body, {
        Name: `Remote Exec via ${foreign.localNode}@${foreign.localDatacenter}`,
        Node: node,
        NodeChecks: [],
        Checks: [],
      });
    }
    const answer = await agentCall(target, 'Failed to create session', {
      method: 'PUT',
      path: '/v1/session/create',
      body: JSON.stringify(body),
    });
    const session = new RemoteExecJobSession(
      target,
      prefix,
      parseJson<{ ID: string }>(answer, 'session create').ID,
      log.warn,
    );
    session.renewTimer = setInterval(() => void session.renew(), sessionRenewIntervalMs);
    session.renewTimer.unref();
    return session;
  }

  get directory(): string {
    return jobDirectory(this.prefix, this.id);
  }

  private async renew(): Promise<void> {
    try {
      await agentCall(this.target, 'renewing the session', { method: 'PUT', path: `/v1/session/renew/${this.id}` });
    } catch (error) {
      this.warn(`Session renew failed: ${(error as Error).message}`);
      this.stopRenewing();
    }
  }

  private stopRenewing(): void {
    if (this.renewTimer !== null) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  /** Writes the job spec, held by the session. */
  async upload(job: RemoteExecJob): Promise<void> {
    const key = jobKey(this.prefix, this.id);
    const answer = await agentCall(this.target, 'Failed to create job file', {
      method: 'PUT',
      path: kvPath(key),
      query: [['acquire', this.id]],
      body: encodeRemoteExecJob(job),
    });
    if (answer.body.trim() !== 'true')
      throw new LatticeError('ERR_EXEC', `Failed to create job file: failed to acquire key ${key}`);
  }

  /** Fires the `_rexec` event; answers its ID. */
  async fire(filters: EventFilters): Promise<string> {
    const query: [string, string][] = [];
    if (filters.node !== '') query.push(['node', filters.node]);
    if (filters.service !== '') query.push(['service', filters.service]);
    if (filters.tag !== '') query.push(['tag', filters.tag]);
    const answer = await agentCall(this.target, 'Failed to fire event', {
      method: 'PUT',
      path: `/v1/event/fire/${remoteExecEventName}`,
      query,
      body: encodeRemoteExecEvent({ prefix: this.prefix, session: this.id }),
    });
    return parseJson<{ ID: string }>(answer, 'event fire').ID;
  }

  /** Destroys the session, then deletes the job directory; failures are reported, not thrown (cleanup goes on). */
  async cleanup(uploaded: boolean): Promise<void> {
    this.stopRenewing();
    try {
      await agentCall(this.target, 'destroying the session', { method: 'PUT', path: `/v1/session/destroy/${this.id}` });
    } catch (error) {
      this.warn(`Failed to destroy session: ${(error as Error).message}`);
    }
    if (!uploaded) return;
    try {
      await agentCall(this.target, 'deleting the job data', {
        method: 'DELETE',
        // With the trailing slash: only this job's keys, even beside a key that merely starts with the session ID.
        path: kvPath(this.directory),
        query: [['recurse', '']],
      });
    } catch (error) {
      this.warn(`Failed to delete job data: ${(error as Error).message}`);
    }
  }
}

/** A passing `consul` service instance's node in the target datacenter (Consul's createSessionForeign). */
async function remoteServerNode(target: HttpClientOptions): Promise<string> {
  const answer = await agentCall(target, 'Failed to find Consul server in remote datacenter', {
    path: '/v1/health/service/consul',
    query: [['passing', '1']],
  });
  const entries = parseJson<{ Node: { Node: string } }[]>(answer, 'remote servers');
  const first = entries[0];
  if (first === undefined)
    throw new LatticeError('ERR_EXEC', 'Failed to create session: Failed to find Consul server in remote datacenter');
  return first.Node.Node;
}
