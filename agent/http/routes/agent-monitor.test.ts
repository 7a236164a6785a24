// Proves /v1/agent/monitor over a real listener: log lines written after a client attaches stream to it, filtered
// by ?loglevel (as Consul's JSON records with ?logjson), a bad level is 400, and the subscription ends when the
// client hangs up. Also the level test for text and JSON log lines, and the subscriber limit of the fan-out.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../../lib/log.js';
import type { AgentHandle } from '../../runtime/handle.js';
import { LogFanOut, lineAtLevel, logSubscribersMax } from '../../runtime/log-fanout.js';
import { until } from '../../testing/wait.js';
import { buildHttpApi } from '../api.js';
import { testBuild, testConfig } from '../testing/fake-rpc.js';

const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const logs = new LogFanOut(sink);
const agent = { logs: () => logs } as unknown as AgentHandle;
const app = await buildHttpApi({
  config: testConfig(),
  build: testBuild,
  runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
  authorizer: { allows: () => true },
  log: silentLogger(),
  agent,
});
await app.listen({ host: '127.0.0.24', port: 0 });
const base = `http://127.0.0.24:${(app.server.address() as { port: number }).port}`;
after(() => app.close());

describe('/v1/agent/monitor', () => {
  it('streams lines at or above the asked level until the client hangs up', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/agent/monitor?loglevel=warn`, { signal: controller.signal });
    assert.equal(response.status, 200);
    assert.equal(logs.subscriberCount, 1);
    logs.write('[2026-01-01T00:00:00.000] INFO: quiet\n');
    logs.write('[2026-01-01T00:00:00.001] WARN: loud\n');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('loud')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    assert.doesNotMatch(text, /quiet/);
    assert.match(text, /WARN: loud/);
    controller.abort();
    await until(() => logs.subscriberCount === 0, 'the monitor to unsubscribe');
  });

  it("streams Consul's JSON records with ?logjson", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/agent/monitor?logjson`, { signal: controller.signal });
    assert.equal(response.status, 200);
    logs.write('[2026-01-01T00:00:00.002] INFO: agent: json please {"n":1}\n');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    assert.deepEqual(JSON.parse(text), {
      '@level': 'info',
      '@message': 'json please',
      '@module': 'agent',
      '@timestamp': '2026-01-01T00:00:00.002',
      n: 1,
    });
    controller.abort();
    await until(() => logs.subscriberCount === 0, 'the monitor to unsubscribe');
  });

  it('refuses an unknown level with 400', async () => {
    const response = await fetch(`${base}/v1/agent/monitor?loglevel=loud`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Unknown log level: loud/);
  });
});

describe('log fan-out', () => {
  it('judges text and JSON lines by level', () => {
    assert.equal(lineAtLevel('[t] DEBUG: x\n', 'info'), false);
    assert.equal(lineAtLevel('[t] ERROR: x\n', 'warn'), true);
    assert.equal(lineAtLevel('{"level":30,"msg":"x"}\n', 'warn'), false);
    assert.equal(lineAtLevel('{"level":50,"msg":"x"}\n', 'warn'), true);
  });

  it('refuses subscribers beyond its limit', () => {
    const fanOut = new LogFanOut(sink);
    const unsubscribes = Array.from({ length: logSubscribersMax }, () => fanOut.subscribe(() => undefined));
    assert.ok(unsubscribes.every((unsubscribe) => unsubscribe !== null));
    assert.equal(
      fanOut.subscribe(() => undefined),
      null,
    );
  });
});
