// A three-server `lattice debug raft-kv` cluster on 127.0.0.2-4 for Raft integration tests: start, SIGKILL and
// restart servers by id, find the leader, and write through whichever server leads (following the X-Raft-Leader
// hint). Every wait has a deadline; only the processes started here are ever signalled.

import { type LatticeProcess, RetryableError, startLattice, waitFor } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

export interface RaftKvStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leaderId: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotsTaken: number;
  readonly snapshotsInstalled: number;
}

export interface RaftKvServer {
  readonly id: string;
  readonly host: string;
  process: LatticeProcess | null;
}

export class RaftKvCluster {
  readonly servers: RaftKvServer[];
  private dataDir: TempDir | null = null;

  constructor(
    private readonly extraArgs: readonly string[] = [],
    hosts: readonly string[] = ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
  ) {
    this.servers = hosts.map((host, position) => ({ id: `n${position + 1}`, host, process: null }));
  }

  server(id: string): RaftKvServer {
    const found = this.servers.find((server) => server.id === id);
    if (!found) throw new Error(`no server ${id}`);
    return found;
  }

  async start(): Promise<void> {
    this.dataDir = await makeTempDir();
    for (const server of this.servers) this.startServer(server.id);
  }

  /** The server's data directory (its Raft files are under raft/, where an operator puts peers.json). */
  dataDirOf(id: string): string {
    if (!this.dataDir) throw new Error('cluster not started');
    return this.dataDir.file(this.server(id).id);
  }

  startServer(id: string): void {
    const server = this.server(id);
    if (!this.dataDir) throw new Error('cluster not started');
    const peers = this.servers.map((peer) => `${peer.id}=${peer.host}:8300`).join(',');
    server.process = startLattice([
      'debug',
      'raft-kv',
      '--id',
      server.id,
      '--bind',
      `${server.host}:8300`,
      '--peers',
      peers,
      '--data-dir',
      this.dataDir.file(server.id),
      '--http',
      `${server.host}:8500`,
      ...this.extraArgs,
    ]);
  }

  /** SIGKILL: no shutdown path runs, as in a crash. */
  async kill(id: string): Promise<void> {
    const server = this.server(id);
    server.process?.kill();
    await server.process?.waitForExit();
    server.process = null;
  }

  async dispose(): Promise<void> {
    for (const server of this.servers) server.process?.kill();
    for (const server of this.servers) await server.process?.waitForExit().catch(() => undefined);
    await this.dataDir?.remove();
  }

  /** A server that should be running exited (a bind conflict, a crash): fail now, with its output. */
  throwIfExited(): void {
    for (const server of this.servers) {
      if (server.process?.hasExited) throw new Error(`${server.id} exited\n${server.process.output}`);
    }
  }

  running(): RaftKvServer[] {
    return this.servers.filter((server) => server.process !== null);
  }

  async status(id: string): Promise<RaftKvStatus | null> {
    try {
      const response = await fetch(`http://${this.server(id).host}:8500/status`, { signal: AbortSignal.timeout(2000) });
      return response.ok ? ((await response.json()) as RaftKvStatus) : null;
    } catch {
      return null;
    }
  }

  /** Waits until one running server leads and every running server follows it; returns its id. */
  async waitForLeader(deadlineMs = 20_000, exclude: string | null = null): Promise<string> {
    return waitFor(
      async () => {
        this.throwIfExited();
        const statuses = await Promise.all(this.running().map((server) => this.status(server.id)));
        const leader = statuses.find((status) => status?.role === 'leader');
        if (!leader || leader.id === exclude) return null;
        return statuses.every((status) => status?.leaderId === leader.id) ? leader.id : null;
      },
      { deadlineMs, what: 'a leader that every running server follows' },
    );
  }

  /** PUT through the leader; true when acknowledged, false on a refusal or a failure (outcome unknown). */
  async put(key: string, value: string, hintId: string | null): Promise<{ acked: boolean; leaderHint: string | null }> {
    const running = this.running();
    const target = running.find((server) => server.id === hintId) ?? running[0];
    if (!target) return { acked: false, leaderHint: null };
    try {
      const response = await fetch(`http://${target.host}:8500/kv/${encodeURIComponent(key)}`, {
        method: 'PUT',
        body: value,
        signal: AbortSignal.timeout(5000),
      });
      await response.arrayBuffer();
      if (response.ok) return { acked: true, leaderHint: target.id };
      return { acked: false, leaderHint: response.headers.get('x-raft-leader') };
    } catch {
      return { acked: false, leaderHint: null };
    }
  }

  async dump(id: string): Promise<Record<string, string>> {
    const response = await fetch(`http://${this.server(id).host}:8500/kv`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new RetryableError(`HTTP ${response.status}`);
    return (await response.json()) as Record<string, string>;
  }

  /** Waits until server `id` holds every key of `expected` with its value. */
  async waitForKeys(id: string, expected: ReadonlyMap<string, string>, deadlineMs = 30_000): Promise<void> {
    let missing = -1;
    await waitFor(
      async () => {
        this.throwIfExited();
        let held: Record<string, string>;
        try {
          held = await this.dump(id);
        } catch {
          throw new RetryableError(`${id} not answering`);
        }
        missing = 0;
        for (const [key, value] of expected) if (held[key] !== value) missing++;
        if (missing > 0) throw new RetryableError(`${id} misses ${missing} of ${expected.size} acknowledged writes`);
        return true;
      },
      { deadlineMs, what: `${id} to hold every acknowledged write` },
    );
  }
}

/** Writers that PUT unique keys until stopped, recording each acknowledged write. */
export class Writers {
  readonly acked = new Map<string, string>();
  attempts = 0;
  private stopped = false;
  private running: Promise<void>[] = [];
  private leaderHint: string | null = null;

  constructor(
    private readonly cluster: RaftKvCluster,
    private readonly prefix: string,
  ) {}

  start(count: number): void {
    this.running = Array.from({ length: count }, (_, writer) => this.loop(writer));
  }

  private async loop(writer: number): Promise<void> {
    for (let sequence = 0; !this.stopped; sequence++) {
      const key = `${this.prefix}-${writer}-${sequence}`;
      const value = `value-of-${key}`;
      this.attempts++;
      const result = await this.cluster.put(key, value, this.leaderHint);
      if (result.acked) this.acked.set(key, value);
      this.leaderHint = result.leaderHint;
      // A refused write yields the turn so that a burst of refusals cannot starve the other writers.
      if (!result.acked) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }
}
