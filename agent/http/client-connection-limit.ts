// limits.http_max_conns_per_client (Consul's go-connlimit on the HTTP listeners, default 200): the agent counts the
// open HTTP connections of each client IP across all its HTTP listeners, and a connection past the limit is
// answered 429 Too Many Requests and closed, so one client (a runaway watcher, a leaking connection pool) cannot
// exhaust the agent's file descriptors. 0 turns the limit off. A reload changes the limit for new connections, as
// Consul's ReloadConfig does; connections already open stay.

import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export class ClientConnectionLimit {
  private readonly openByClient = new Map<string, number>();
  private readonly refused = new WeakSet<Socket>();

  constructor(private maxPerClient: number) {}

  /** The limit for connections opened from now on (0 = none). */
  setMaxPerClient(maxPerClient: number): void {
    this.maxPerClient = maxPerClient;
  }

  /** Counts a new connection; one past its client's limit is marked refused and not counted. */
  admit(socket: Socket): void {
    const client = socket.remoteAddress ?? '';
    const open = this.openByClient.get(client) ?? 0;
    if (this.maxPerClient > 0 && open >= this.maxPerClient) {
      this.refused.add(socket);
      return;
    }
    this.openByClient.set(client, open + 1);
    socket.once('close', () => {
      const left = (this.openByClient.get(client) ?? 1) - 1;
      if (left > 0) this.openByClient.set(client, left);
      else this.openByClient.delete(client);
    });
  }

  isRefused(socket: Socket): boolean {
    return this.refused.has(socket);
  }

  /** Open, admitted connections from one client address. */
  openFrom(client: string): number {
    return this.openByClient.get(client) ?? 0;
  }
}

/**
 * Counts the connections of `app`'s server in `limit` and answers every request on a refused connection with
 * Consul's bare 429 (no body), closing the connection after it. Install before any route is registered, so the
 * hook runs for all of them.
 */
export function installClientConnectionLimit(app: FastifyInstance, limit: ClientConnectionLimit): void {
  app.server.on('connection', (socket: Socket) => limit.admit(socket));
  app.addHook('onRequest', async (request, reply) => {
    if (!limit.isRefused(request.raw.socket)) return;
    await reply.code(429).header('connection', 'close').send('');
  });
}
