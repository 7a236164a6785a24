// The agent: owns the subsystems and runs them in dependency order, stopping them in reverse (STYLE §3.3).
// Today that is the PID file and the HTTP API; gossip, the RPC client or server, DNS, checks and the proxy
// manager slot into `subsystems` in the order they depend on each other.

import { arch, availableParallelism, platform } from 'node:os';
import { type AbortOptions, LifecycleState, type Startable, startAll } from '../lib/lifecycle.js';
import type { Logger } from '../lib/log.js';
import { type Authorizer, allowAllAuthorizer } from './acl/authorizer.js';
import type { BuildInfo, RuntimeInfo } from './build-info.js';
import type { AgentConfig } from './config/types.js';
import { buildHttpApi } from './http/api.js';
import { HttpServer } from './http/server.js';
import { PidFile } from './pid-file.js';

export interface AgentComponents {
  /** The root logger; each subsystem gets a child with its own `module` (pino would repeat a nested one). */
  readonly log: Logger;
  readonly build: BuildInfo;
  /** Defaults to the allow-all authorizer until the ACL system exists. */
  readonly authorizer?: Authorizer;
  readonly runtime?: RuntimeInfo;
  readonly pid?: number;
}

/** Stopping must fit inside the second an operator waits after Ctrl-C, with room for the process to exit. */
export const shutdownGraceMs = 800;

interface Subsystem {
  readonly name: string;
  readonly startable: Startable;
}

export class Agent implements Startable {
  private readonly lifecycle = new LifecycleState();
  private readonly subsystems: readonly Subsystem[];
  private readonly http: HttpServer;
  private readonly log: Logger;
  private stopAll: ((options?: AbortOptions) => Promise<void>) | null = null;

  constructor(
    components: AgentComponents,
    readonly config: AgentConfig,
  ) {
    const runtime = components.runtime ?? hostRuntime();
    const log = components.log;
    this.log = log.child({ module: 'agent' });
    this.http = new HttpServer(
      {
        log: log.child({ module: 'agent.http' }),
        buildApi: () =>
          buildHttpApi({
            config,
            build: components.build,
            runtime,
            authorizer: components.authorizer ?? allowAllAuthorizer,
            log: log.child({ module: 'agent.http' }),
          }),
      },
      { addresses: config.addresses.http, port: config.ports.http, httpsPort: config.ports.https, tls: config.tls },
    );
    const subsystems: Subsystem[] = [];
    if (config.pidFile !== null)
      subsystems.push({ name: 'pid-file', startable: new PidFile(config.pidFile, components.pid ?? process.pid) });
    subsystems.push({ name: 'http', startable: this.http });
    this.subsystems = subsystems;
  }

  /** `host:port` of each HTTP listener once started. */
  get httpAddresses(): readonly string[] {
    return this.http.boundAddresses;
  }

  start(options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.start(async () => {
      this.log.info(
        { node: this.config.nodeName, datacenter: this.config.datacenter, server: this.config.server },
        'Starting agent',
      );
      this.stopAll = await startAll(
        this.subsystems.map((subsystem) => subsystem.startable),
        options,
      );
      this.log.info('Agent started');
    });
  }

  stop(options: AbortOptions = {}): Promise<void> {
    return this.lifecycle.stop(async () => {
      this.log.info('Shutting down agent');
      const signal = options.signal ?? AbortSignal.timeout(shutdownGraceMs);
      await this.stopAll?.({ signal });
      this.log.info('Agent stopped');
    });
  }
}

function hostRuntime(): RuntimeInfo {
  return { arch: arch(), os: platform(), nodeVersion: process.version, cpuCount: availableParallelism() };
}
