// ConfigWatches running `watches` plans against a small fake agent API (127.0.0.246) whose KV reads block on
// ?index like Consul's, with `http` handlers posting to a receiver (127.0.0.247): the handler gets the key's
// value with X-Consul-Index and runs again when the key changes; a reload stops the old plans (their blocking reads
// end) and starts the new list, which fires with the current data, as Consul's reloadWatches does; a handler that
// answers 500 is logged and the watch goes on.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { capturedLog } from '../../lib/testing/captured-log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { type ConfigWatch, ConfigWatches, parseConfigWatch } from './config-watches.js';

const servers: Server[] = [];
after(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server, host: string): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `${host}:${(server.address() as AddressInfo).port}`;
}

/** A KV API whose reads block while ?index equals the key's index, as Consul's blocking queries do. */
async function fakeAgent() {
  const keys = new Map<string, { index: number; value: string }>();
  let index = 10;
  const held = new Set<() => void>();
  const open = new Map<string, number>(); // key → requests in flight
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://agent');
    const key = decodeURIComponent(url.pathname.replace(/^\/v1\/kv\//, ''));
    const answer = (): void => {
      const entry = keys.get(key);
      response.setHeader('X-Consul-Index', String(entry?.index ?? index));
      if (entry === undefined) {
        response.statusCode = 404;
        response.end();
      } else response.end(JSON.stringify([{ Key: key, Value: Buffer.from(entry.value).toString('base64') }]));
    };
    const wanted = Number(url.searchParams.get('index') ?? '0');
    if (wanted === 0 || (keys.get(key)?.index ?? index) !== wanted) return answer();
    open.set(key, (open.get(key) ?? 0) + 1);
    const release = (): void => {
      if ((keys.get(key)?.index ?? index) === wanted) return;
      held.delete(release);
      open.set(key, (open.get(key) ?? 1) - 1);
      answer();
    };
    held.add(release);
    request.once('close', () => {
      if (held.delete(release)) open.set(key, (open.get(key) ?? 1) - 1);
    });
  });
  const address = await listen(server, '127.0.0.246');
  return {
    address,
    open,
    put(key: string, value: string): void {
      index += 1;
      keys.set(key, { index, value });
      for (const release of [...held]) release();
    },
  };
}

async function receiver(status = 200) {
  const received: { url: string; index: string; body: unknown }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        url: request.url ?? '',
        index: String(request.headers['x-consul-index']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      response.statusCode = status;
      response.end(status === 200 ? 'ok' : 'handler broke');
    });
  });
  return { received, base: `http://${await listen(server, '127.0.0.247')}` };
}

function httpWatch(key: string, path: string): ConfigWatch {
  const watch = parseConfigWatch({ type: 'key', key, handler_type: 'http', http_handler_config: { path } });
  assert.ok(typeof watch !== 'string', String(watch));
  return watch;
}

const decodedValue = (body: unknown): string =>
  Buffer.from(String((body as { Value: string }).Value), 'base64').toString('utf8');

describe('agent config watches with http handlers', () => {
  it('posts each change, and a reload swaps the plans for the new list', async () => {
    const agent = await fakeAgent();
    const hooks = await receiver();
    agent.put('app/a', 'one');
    agent.put('app/b', 'first');
    const { log } = capturedLog();
    const watches = new ConfigWatches({
      watches: [httpWatch('app/a', `${hooks.base}/a`)],
      httpAddresses: () => [agent.address],
      log,
    });
    await watches.start();
    try {
      await waitForCondition(() => hooks.received.length === 1, 'the first handler call');
      assert.deepEqual(hooks.received[0], {
        url: '/a',
        index: '11',
        body: { Key: 'app/a', Value: Buffer.from('one').toString('base64') },
      });
      await waitForCondition(() => agent.open.get('app/a') === 1, 'the plan blocking on app/a');
      agent.put('app/a', 'two');
      await waitForCondition(() => hooks.received.length === 2, 'the handler call after the change');
      assert.equal(decodedValue(hooks.received[1]?.body), 'two');
      assert.equal(hooks.received[1]?.index, '13');

      await watches.reload([httpWatch('app/b', `${hooks.base}/b`)]);
      // The old plan is gone (its blocking read closed) and the new one fires with the current value.
      await waitForCondition(() => hooks.received.length === 3, 'the new plan firing after reload');
      assert.deepEqual([hooks.received[2]?.url, decodedValue(hooks.received[2]?.body)], ['/b', 'first']);
      await waitForCondition(() => (agent.open.get('app/a') ?? 0) === 0, 'the old plan to stop blocking');
      await waitForCondition(() => agent.open.get('app/b') === 1, 'the new plan blocking on app/b');
      agent.put('app/a', 'ignored');
      agent.put('app/b', 'second');
      await waitForCondition(() => hooks.received.length === 4, 'the new plan seeing its change');
      assert.deepEqual([hooks.received[3]?.url, decodedValue(hooks.received[3]?.body)], ['/b', 'second']);
      assert.ok(
        hooks.received.every((call) => call.url === '/a' || call.url === '/b'),
        'nothing else was posted',
      );
      assert.equal(hooks.received.filter((call) => call.url === '/a').length, 2, 'no call for app/a after reload');

      // A reload to an empty list stops everything.
      await watches.reload([]);
      await waitForCondition(() => (agent.open.get('app/b') ?? 0) === 0, 'every plan to stop');
    } finally {
      await watches.stop();
    }
  });

  it('logs a handler that answers 500 and keeps watching', async () => {
    const agent = await fakeAgent();
    const hooks = await receiver(500);
    agent.put('app/c', 'v1');
    const { lines, log } = capturedLog('trace');
    const watches = new ConfigWatches({
      watches: [httpWatch('app/c', `${hooks.base}/c`)],
      httpAddresses: () => [agent.address],
      log,
    });
    await watches.start();
    try {
      await waitForCondition(() => hooks.received.length === 1, 'the first handler call');
      const failed = (line: Record<string, unknown>): boolean =>
        String(line['msg']).includes('http watch handler failed');
      await waitForCondition(() => lines.some(failed), 'the log line');
      const line = lines.find(failed) ?? {};
      assert.deepEqual(
        [line['status'], line['output'], line['level']],
        ['500 Internal Server Error', 'handler broke', 50],
      );
      await waitForCondition(() => agent.open.get('app/c') === 1, 'the plan blocking again');
      agent.put('app/c', 'v2');
      await waitForCondition(() => hooks.received.length === 2, 'the watch going on after the failure');
    } finally {
      await watches.stop();
    }
  });
});
