// The tiny HTTP apps behind sidecars in the mesh tests, and one request through a sidecar's upstream listener.

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** HTTP apps answering "hello from <name>" on one loopback address; close() stops them all. */
export class MeshApps {
  private readonly servers: Server[] = [];

  constructor(private readonly address: string) {}

  /** Starts an app on an ephemeral port of the address and returns the port. */
  async start(name: string): Promise<number> {
    const server = createServer((_request, response) => {
      response.setHeader('connection', 'close');
      response.end(`hello from ${name}`);
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.address, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** One GET to host:port on a new connection: the body, or null when the connection failed or timed out. */
export function getOnNewConnection(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const outgoing = request({ host, port, path: '/', agent: false, timeout: 2_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
      response.on('error', () => resolve(null));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', () => resolve(null));
    outgoing.end();
  });
}
