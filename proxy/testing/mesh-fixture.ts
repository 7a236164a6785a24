// Shared pieces for proxy tests on real sockets: a CA and leaves minted with connect/ at the real time, an HTTP echo
// app that counts its connections, a request helper, a static source and a waiting helper with a deadline.

import { once } from 'node:events';
import { type Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  compileIntentionTable,
  generateCsr,
  type IntentionAction,
  normalizeIntention,
  serviceSpiffeId,
  signLeafSync,
} from '../../connect/index.js';
import { makeTestCa, type TestCa } from '../../connect/testing/ca-fixtures.js';
import { RealClock } from '../../lib/clock.js';
import { createLogger, silentLogger } from '../../lib/log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { ProxyManager, type ProxyManagerInit } from '../manager.js';
import type { LeafCredentials } from '../source.js';
import type { StaticProxySource } from './static-source.js';

export const CLUSTER_ID = '7f42f496-fbc7-8692-05ed-334aa5340c1e';
export const TRUST_DOMAIN = `${CLUSTER_ID}.consul`;
export const HOUR_MS = 3_600_000;

/** A CA whose root became valid a day ago, so leaves can be back-dated inside its window. */
export function makeCa(serialNumber = 1, clusterId = CLUSTER_ID): Promise<TestCa> {
  return makeTestCa({}, clusterId, Date.now() - 24 * HOUR_MS, serialNumber);
}

export async function mintLeaf(
  ca: Pick<TestCa, 'signer'>,
  service: string,
  options: { nowMs?: number; ttlMs?: number } = {},
): Promise<LeafCredentials> {
  const { csrPem, privateKeyPem } = await generateCsr({
    id: serviceSpiffeId(ca.signer.trustDomain, 'dc1', service),
  });
  const leaf = signLeafSync(ca.signer, csrPem, {
    nowMs: options.nowMs ?? Date.now(),
    leafCertTtlMs: options.ttlMs ?? 72 * HOUR_MS,
  });
  return { certPem: leaf.certPem, keyPem: privateKeyPem };
}

export function intentionTable(
  rules: readonly (readonly [source: string, destination: string, action: IntentionAction])[],
  defaultAllow = false,
) {
  return compileIntentionTable(
    rules.map(([SourceName, DestinationName, Action]) => normalizeIntention({ SourceName, DestinationName, Action })),
    defaultAllow,
  );
}

export interface EchoApp {
  readonly server: Server;
  readonly port: number;
  /** TCP connections the app has accepted: a rejected caller must never add one. */
  connections: number;
  close(): Promise<void>;
}

/** An HTTP app that answers `<name> <method> <path> <body>`. */
export async function startEcho(name: string, host = '127.0.0.1'): Promise<EchoApp> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${name} ${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  const app: EchoApp = {
    server,
    port: 0,
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', () => {
    app.connections += 1;
  });
  server.listen(0, host);
  await once(server, 'listening');
  (app as { port: number }).port = (server.address() as AddressInfo).port;
  return app;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export function httpRequest(
  port: number,
  path: string,
  options: { agent?: Agent | false; body?: string; host?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        path,
        method: options.body === undefined ? 'GET' : 'POST',
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Waits until `condition` holds, checking every few milliseconds, or fails after the deadline. */
export function waitFor(condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  return waitForCondition(condition, what, { deadlineMs });
}

export function newManager(source: StaticProxySource, init: Partial<ProxyManagerInit> = {}) {
  return new ProxyManager(
    {
      source,
      clock: new RealClock(),
      log: process.env.PROXY_DEBUG ? createLogger({ level: 'debug', json: true }) : silentLogger(),
    },
    { datacenter: 'dc1', ...init },
  );
}

export function rootsOf(...cas: Pick<TestCa, 'root'>[]) {
  return { trustDomain: TRUST_DOMAIN, rootPems: cas.map((ca) => ca.root.RootCert) };
}
