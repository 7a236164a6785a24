// Proves the capture runner against a fake agent: the static files, at least one interval folder with the metrics
// snapshot, heap and handles, the root metrics stream, the log stream until the deadline and the CPU profile land
// where Consul's layout puts them; a capture that fails is reported while the others still complete; and targets
// not asked for leave no file. Short real intervals; no assertion depends on how many intervals ran.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DebugBundle } from './debug-bundle.js';
import {
  type CaptureComponents,
  captureDynamic,
  captureRaftPeers,
  captureStatic,
  type DebugUi,
} from './debug-capture.js';
import type { DebugSource } from './debug-source.js';

const root = await mkdtemp(join(tmpdir(), 'lattice-debug-capture-'));
after(() => rm(root, { recursive: true, force: true }));

function fakeSource(overrides: Partial<DebugSource> = {}): DebugSource {
  return {
    self: async () => ({ Config: { Version: '1.20.0' } }),
    host: async () => ({ Host: { hostname: 'h' } }),
    members: async () => [{ Name: 'n1' }],
    metrics: async () => ({ Gauges: [] }),
    raftConfiguration: async () => ({
      Servers: [
        {
          ID: 'id1',
          Node: 'n1',
          Address: '127.0.0.1:8300',
          Leader: true,
          Voter: true,
          ProtocolVersion: '3',
          LastIndex: 1,
        },
      ],
      Index: 1,
    }),
    heap: async () => ({ heapStatistics: {} }),
    handles: async () => ({ activeResources: {} }),
    cpuProfile: async () => '{"nodes":[],"samples":[],"timeDeltas":[],"startTime":0,"endTime":1}',
    logs: async ({ signal }) =>
      (async function* () {
        yield new TextEncoder().encode('[INFO] agent: first line\n');
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      })(),
    ...overrides,
  };
}

function recordingUi(): DebugUi & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    output: (line) => lines.push(`==> ${line}`),
    info: (line) => lines.push(`    ${line}`),
    warn: (line) => lines.push(line),
    error: (line) => lines.push(`==> ${line}`),
  };
}

async function components(
  name: string,
  source: DebugSource,
): Promise<CaptureComponents & { ui: ReturnType<typeof recordingUi> }> {
  return { source, bundle: await DebugBundle.create(join(root, name)), ui: recordingUi(), now: () => new Date() };
}

const everything = ['metrics', 'logs', 'pprof', 'host', 'agent', 'members'];

describe('debug capture', () => {
  it("writes every target where Consul's layout puts it", async () => {
    const parts = await components('all', fakeSource());
    assert.deepEqual(await captureStatic(parts, everything), []);
    const failures = await captureDynamic(
      parts,
      { targets: everything, intervalMs: 20, durationMs: 70 },
      new AbortController().signal,
    );
    assert.deepEqual(failures, []);
    await captureRaftPeers(parts);
    const dir = parts.bundle.directory;
    for (const file of [
      'host.json',
      'agent.json',
      'members.json',
      'metrics.json',
      'consul.log',
      'profile.cpuprofile',
      'listpeers.json',
    ])
      assert.ok(existsSync(join(dir, file)), file);
    assert.equal(readFileSync(join(dir, 'consul.log'), 'utf8'), '[INFO] agent: first line\n');
    assert.match(
      readFileSync(join(dir, 'listpeers.json'), 'utf8'),
      /^Node\s+ID\s+Address\s+State\s+Voter\s+RaftProtocol\nn1\s+id1/,
    );
    const folders = readdirSync(dir).filter((name) => /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/.test(name));
    assert.ok(folders.length >= 1, 'at least the first interval has a folder');
    assert.deepEqual(readdirSync(join(dir, folders[0]!)).sort(), ['handles.json', 'heap.json', 'metrics.json']);
    assert.ok(
      parts.ui.lines.some((line) =>
        /^==> Capture successful \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC \(0\)$/.test(line),
      ),
    );
  });

  it('reports a failing capture and completes the others', async () => {
    const parts = await components(
      'partial',
      fakeSource({
        host: async () => {
          throw new Error('host unreadable');
        },
        cpuProfile: async () => {
          throw new Error('profiler busy');
        },
      }),
    );
    assert.deepEqual(await captureStatic(parts, everything), ['host unreadable']);
    const failures = await captureDynamic(
      parts,
      { targets: everything, intervalMs: 20, durationMs: 50 },
      new AbortController().signal,
    );
    assert.deepEqual(failures, ['failed to collect cpu profile: profiler busy']);
    assert.ok(existsSync(join(parts.bundle.directory, 'agent.json')));
    assert.ok(existsSync(join(parts.bundle.directory, 'consul.log')));
  });

  it('captures only the targets asked for', async () => {
    const parts = await components('some', fakeSource());
    await captureStatic(parts, ['agent', 'logs']);
    await captureDynamic(
      parts,
      { targets: ['agent', 'logs'], intervalMs: 20, durationMs: 30 },
      new AbortController().signal,
    );
    assert.deepEqual(readdirSync(parts.bundle.directory).sort(), ['agent.json', 'consul.log']);
  });

  it('stops at once when interrupted and says why', async () => {
    const parts = await components('interrupted', fakeSource());
    const interrupt = new AbortController();
    const run = captureDynamic(
      parts,
      { targets: ['metrics', 'logs'], intervalMs: 60_000, durationMs: 600_000 },
      interrupt.signal,
    );
    interrupt.abort();
    assert.deepEqual(await run, ['stopping collection due to shutdown signal']);
  });
});
