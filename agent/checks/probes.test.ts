// Proves each check type against real local servers on 127.0.0.x random ports: HTTP (2xx passing, 429 warning,
// 500 and refused critical, headers/method/body/User-Agent sent, output truncated, redirects, timeout), TCP (open vs closed),
// UDP (answer vs refused), H2 ping, gRPC health (SERVING vs NOT_SERVING vs unknown service), script (exit codes, timeout
// kills), plus the protobuf codec of the hand-written health service.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import http from 'node:http';
import http2 from 'node:http2';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { CheckDefinition } from '../config/types.js';
import { makeCheckDefinition } from '../local/registrar.js';
import {
  decodeHealthRequest,
  decodeHealthResponse,
  encodeHealthRequest,
  grpcProbe,
  healthCheckMethod,
} from './grpc.js';
import { h2pingProbe } from './h2ping.js';
import { httpCheckUserAgent, httpProbe } from './http.js';
import { scriptProbe } from './script.js';
import { tcpProbe } from './tcp.js';
import { udpProbe } from './udp.js';

const host = '127.0.0.22';
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const never = new AbortController().signal;
const definition = (fields: Partial<CheckDefinition>): CheckDefinition =>
  makeCheckDefinition({ id: 'c', name: 'c', kind: 'http', intervalMs: 1000, ...fields });

async function listen(server: http.Server | Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

describe('HTTP check', () => {
  let seen: http.IncomingMessage | null = null;
  let seenBody = '';
  const server = http.createServer((request, response) => {
    seen = request;
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      seenBody = body;
      const code = Number(request.url?.slice(1)) || 200;
      if (request.url === '/slow') return; // never answers
      if (request.url === '/moved') {
        response.writeHead(302, { Location: '/204' }).end();
        return;
      }
      response.writeHead(code);
      response.end(request.url === '/big' ? 'x'.repeat(10_000) : `status ${code}`);
    });
  });
  cleanups.push(() => {
    server.closeAllConnections();
  });

  it('maps 2xx to passing, 429 to warning, 500 to critical', async () => {
    const port = await listen(server);
    const run = (path: string) => httpProbe(definition({ http: `http://${host}:${port}${path}` }))(never);
    assert.equal((await run('/200')).status, 'passing');
    assert.equal((await run('/204')).status, 'passing');
    assert.equal((await run('/429')).status, 'warning');
    const failed = await run('/500');
    assert.equal(failed.status, 'critical');
    assert.match(
      failed.output,
      /^HTTP GET http:\/\/127\.0\.0\.22:\d+\/500: 500 Internal Server Error Output: status 500$/,
    );
  });

  it("sends the method, headers, body and Consul's User-Agent; keeps only output_max_size bytes", async () => {
    const port = (server.address() as { port: number }).port;
    const result = await httpProbe(
      definition({
        http: `http://${host}:${port}/200`,
        method: 'POST',
        header: { 'X-Probe': ['yes'] },
        body: 'ping',
      }),
    )(never);
    assert.equal(result.status, 'passing');
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.headers['user-agent'], httpCheckUserAgent);
    assert.equal(seen?.headers['x-probe'], 'yes');
    assert.equal(seenBody, 'ping');
    assert.equal(seen?.headers['content-length'], '4');
    assert.equal(seen?.headers['transfer-encoding'], undefined);
    const big = await httpProbe(definition({ http: `http://${host}:${port}/big`, outputMaxSizeBytes: 100 }))(never);
    assert.ok(big.output.endsWith(`Output: ${'x'.repeat(100)}`), big.output);
  });

  it('follows redirects unless disable_redirects', async () => {
    const port = (server.address() as { port: number }).port;
    const followed = await httpProbe(definition({ http: `http://${host}:${port}/moved` }))(never);
    assert.equal(followed.status, 'passing', followed.output);
    const kept = await httpProbe(definition({ http: `http://${host}:${port}/moved`, disableRedirects: true }))(never);
    assert.equal(kept.status, 'critical');
    assert.match(kept.output, /: 302 Found/);
  });

  it('is critical when nothing listens or the timeout fires', async () => {
    const closed = await httpProbe(definition({ http: `http://${host}:1/` }))(never);
    assert.equal(closed.status, 'critical');
    assert.match(closed.output, /ECONNREFUSED/);
    const port = (server.address() as { port: number }).port;
    const controller = new AbortController();
    const pending = httpProbe(definition({ http: `http://${host}:${port}/slow` }))(controller.signal);
    controller.abort();
    const timedOut = await pending;
    assert.equal(timedOut.status, 'critical');
    assert.match(timedOut.output, /timed out/);
  });
});

describe('TCP check', () => {
  it('passes when the port accepts and fails when it does not', async () => {
    const server = createServer((socket) => socket.end());
    const port = await listen(server);
    const open = await tcpProbe(definition({ kind: 'tcp', tcp: `${host}:${port}` }))(never);
    assert.equal(open.status, 'passing');
    assert.equal(open.output, `TCP connect ${host}:${port}: Success`);
    const shut = await tcpProbe(definition({ kind: 'tcp', tcp: `${host}:1` }))(never);
    assert.equal(shut.status, 'critical');
    const bad = await tcpProbe(definition({ kind: 'tcp', tcp: 'no-port' }))(never);
    assert.equal(bad.status, 'critical');
  });
});

describe('UDP check', () => {
  it('passes on an answer and fails on a refused port', async () => {
    const socket = createSocket('udp4');
    socket.on('message', (message, from) => socket.send(message, from.port, from.address));
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    const port = socket.address().port;
    assert.equal((await udpProbe(definition({ kind: 'udp', udp: `${host}:${port}` }))(never)).status, 'passing');
    // A closed port answers with ICMP port unreachable, which a connected socket reports as ECONNREFUSED.
    const closed = createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, host, resolve));
    const closedPort = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await udpProbe(definition({ kind: 'udp', udp: `${host}:${closedPort}` }))(never);
    assert.equal(refused.status, 'critical', refused.output);
  });
});

describe('gRPC check', () => {
  it('encodes and decodes the health messages', () => {
    assert.deepEqual([...encodeHealthRequest('')], [0x0a, 0]);
    assert.equal(decodeHealthRequest(encodeHealthRequest('web')), 'web');
    assert.deepEqual([...encodeHealthRequest('web')], [0x0a, 3, 0x77, 0x65, 0x62]);
    assert.equal(decodeHealthResponse(Buffer.from([0x08, 0x01])), 1);
    assert.equal(decodeHealthResponse(Buffer.from([0x12, 0x01, 0x41, 0x08, 0x02])), 2);
    assert.throws(() => decodeHealthResponse(Buffer.from([0x08, 0x80])), /truncated/);
  });

  it('is passing for SERVING and critical for NOT_SERVING or an unknown service', async () => {
    const server = new grpc.Server();
    const statuses: Record<string, number> = { '': 1, web: 1, down: 2 };
    server.addService({ Check: healthCheckMethod } as unknown as grpc.ServiceDefinition, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, callback: grpc.sendUnaryData<number>) => {
        const status = statuses[call.request.service];
        if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else callback(null, status);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    cleanups.push(() => {
      server.forceShutdown();
    });
    const run = (target: string) => grpcProbe(definition({ kind: 'grpc', grpc: target }))(never);
    assert.equal((await run(`${host}:${port}`)).status, 'passing');
    assert.equal((await run(`${host}:${port}/web`)).status, 'passing');
    const down = await run(`${host}:${port}/down`);
    assert.equal(down.status, 'critical');
    assert.match(down.output, /NOT_SERVING/);
    assert.equal((await run(`${host}:${port}/other`)).status, 'critical');
  });
});

describe('H2 ping check', () => {
  it('passes against an HTTP/2 server and fails against a plain TCP port', async () => {
    const server = http2.createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const ok = await h2pingProbe(definition({ kind: 'h2ping', h2ping: `${host}:${port}` }))(never);
    assert.equal(ok.status, 'passing', ok.output);
    const closed = await h2pingProbe(definition({ kind: 'h2ping', h2ping: `${host}:1` }))(never);
    assert.equal(closed.status, 'critical');
  });
});

describe('script check', () => {
  const script = (source: string) =>
    scriptProbe(definition({ kind: 'script', args: [process.execPath, '-e', source] }));

  it('maps exit 0, 1 and others to passing, warning, critical with the output', async () => {
    const ok = await script("process.stdout.write('fine')")(never);
    assert.deepEqual(ok, { status: 'passing', output: 'fine' });
    assert.equal((await script('process.exit(1)')(never)).status, 'warning');
    const failed = await script("process.stderr.write('bad'); process.exit(2)")(never);
    assert.deepEqual(failed, { status: 'critical', output: 'bad' });
  });

  it('runs no shell, and a missing program is critical', async () => {
    const result = await scriptProbe(definition({ kind: 'script', args: ['echo $HOME && false'] }))(never);
    assert.equal(result.status, 'critical');
  });

  it('kills the process when the timeout fires', async () => {
    const controller = new AbortController();
    const pending = script('setInterval(() => {}, 1000)')(controller.signal);
    controller.abort();
    assert.deepEqual(await pending, { status: 'critical', output: 'Timed out running check' });
  });
});
