// A stand-in for the agent's HTTP API in tests of the proxy process: JSON values by path, set by the test, served
// with Consul's blocking semantics (`?index=&wait=` parks until the value's index moves; `?hash=&wait=` until its
// content hash does), 404 for a path with no value. Counts requests and parked readers so tests see watches stop.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Entry {
  value: unknown;
  index: number;
}

export class FakeAgentHttp {
  private readonly entries = new Map<string, Entry>();
  private readonly parked = new Map<string, Set<() => void>>();
  private readonly server: Server;
  private index = 1;
  /** Requests received per path (without the query). */
  readonly requests = new Map<string, number>();
  /** Bodies of PUT/POST requests, in order. */
  readonly writes: { method: string; path: string; body: unknown }[] = [];
  /** What a write answers, by path; 200 `true` when absent. */
  readonly writeAnswers = new Map<string, { status: number; body: unknown }>();

  constructor() {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    this.server.listen(port, host);
    await once(this.server, 'listening');
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    for (const waiters of this.parked.values()) for (const wake of waiters) wake();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  set(path: string, value: unknown): void {
    this.index += 1;
    this.entries.set(path, { value, index: this.index });
    this.wake(path);
  }

  delete(path: string): void {
    this.index += 1;
    this.entries.delete(path);
    this.wake(path);
  }

  /** Readers parked on a path now. */
  waiting(path: string): number {
    return this.parked.get(path)?.size ?? 0;
  }

  private wake(path: string): void {
    const waiters = this.parked.get(path);
    if (!waiters) return;
    this.parked.delete(path);
    for (const wake of waiters) wake();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const path = url.pathname;
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    if (request.method !== 'GET') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      this.writes.push({ method: request.method ?? '', path, body: text === '' ? null : JSON.parse(text) });
      const answer = this.writeAnswers.get(path) ?? { status: 200, body: true };
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
      return;
    }
    const minIndex = Number(url.searchParams.get('index') ?? 0);
    const hash = url.searchParams.get('hash');
    const waitMs = Math.min(Number.parseInt(url.searchParams.get('wait') ?? '0', 10) * 1000 || 0, 10_000);
    const unchanged = () => {
      const entry = this.entries.get(path);
      if (hash !== null) return hash !== '' && String(entry?.index ?? 0) === hash;
      return minIndex > 0 && (entry?.index ?? 0) === minIndex;
    };
    if (unchanged() && waitMs > 0) {
      await new Promise<void>((resolve) => {
        let waiters = this.parked.get(path);
        if (!waiters) {
          waiters = new Set();
          this.parked.set(path, waiters);
        }
        const parkedOn = waiters;
        const done = (): void => {
          clearTimeout(timer);
          parkedOn.delete(done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        parkedOn.add(done);
        response.once('close', done);
      });
    }
    if (response.destroyed) return;
    const entry = this.entries.get(path);
    if (!entry) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end(`unknown ${path}`);
      return;
    }
    response.writeHead(200, {
      'content-type': 'application/json',
      'x-consul-index': String(entry.index),
      'x-consul-contenthash': String(entry.index),
    });
    response.end(JSON.stringify(entry.value));
  }
}
