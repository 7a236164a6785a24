// The HTTP subsystem: binds the API to every address in `addresses.http` (client_addr by default) on
// `ports.http`. Each address gets its own fastify instance from the same factory, since one instance listens
// once. Plain HTTP is the TLS config object's "off" state; the HTTPS listener (ports.https) comes with TLS.

import type { FastifyInstance } from 'fastify';
import { LatticeError, NotImplementedError } from '../../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable } from '../../lib/lifecycle.js';
import type { Logger } from '../../lib/log.js';
import type { TlsConfig } from '../config/types.js';

export class ListenError extends LatticeError {
  override readonly name = 'ListenError';
  constructor(address: string, port: number, options?: ErrorOptions) {
    const code = (options?.cause as NodeJS.ErrnoException | undefined)?.code;
    const reason =
      code === 'EADDRINUSE'
        ? 'address already in use'
        : code === 'EADDRNOTAVAIL'
          ? 'address not available on this host'
          : String((options?.cause as Error | undefined)?.message ?? 'unknown error');
    super('ERR_LISTEN', `cannot listen on ${formatHostPort(address, port)}: ${reason}`, options);
  }
}

export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface HttpServerComponents {
  readonly log: Logger;
  readonly buildApi: () => Promise<FastifyInstance>;
}

export interface HttpServerConfig {
  readonly addresses: readonly string[];
  /** -1 disables the listener; 0 picks a free port (tests only: config validation refuses 0). */
  readonly port: number;
  readonly httpsPort: number;
  readonly tls: TlsConfig;
}

export class HttpServer implements Startable {
  private readonly lifecycle = new LifecycleState();
  private readonly apps: FastifyInstance[] = [];
  private readonly bound: string[] = [];

  constructor(
    private readonly components: HttpServerComponents,
    private readonly config: HttpServerConfig,
  ) {}

  /** `host:port` of every listener, once started (the real port when 0 was asked). */
  get boundAddresses(): readonly string[] {
    return this.bound;
  }

  start(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.start(async () => {
      if (this.config.httpsPort > 0) throw new NotImplementedError('the HTTPS listener (ports.https)');
      if (this.config.port < 0) return;
      for (const address of this.config.addresses) {
        const app = await this.components.buildApi();
        try {
          await app.listen({ host: address, port: this.config.port });
        } catch (error) {
          // A failed start leaves nothing listening: the caller never calls stop() on what did not start.
          await Promise.all([app, ...this.apps].map((each) => each.close()));
          this.apps.length = 0;
          throw new ListenError(address, this.config.port, { cause: error });
        }
        this.apps.push(app);
        const info = app.server.address();
        const port = typeof info === 'object' && info !== null ? info.port : this.config.port;
        this.bound.push(formatHostPort(address, port));
        this.components.log.info({ address: formatHostPort(address, port), network: 'tcp' }, 'Started HTTP server');
      }
    });
  }

  stop(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.stop(async () => {
      // forceCloseConnections in the factory drops keep-alive and blocking-query connections, so close is prompt.
      await Promise.all(this.apps.map((app) => app.close()));
      this.apps.length = 0;
      this.components.log.info('Stopped HTTP server');
    });
  }
}
