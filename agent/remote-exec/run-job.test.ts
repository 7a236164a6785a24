// One remote exec job against an in-memory KV and real `sh` processes: the agent writes ack, output and exit as
// Consul's does; a missing or unreadable job, or an event it cannot decode, runs nothing and writes nothing; a
// refused write (session destroyed) stops the uploads with exit 255. The log names the job without its text.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { RealClock } from '../../lib/clock.js';
import { capturedLog } from '../../lib/testing/captured-log.js';
import type { UserEvent } from '../events/events.js';
import { launchJob } from './launch.js';
import { heartbeatIntervalMs, jobSummary, runRemoteExecJob } from './run-job.js';
import { MemoryRemoteExecKv } from './testing-kv.js';
import { encodeRemoteExecEvent, encodeRemoteExecJob, type RemoteExecJob } from './wire.js';

const session = '5f2c8d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f';
const directory = `_rexec/${session}/`;

function rexecEvent(payload: Uint8Array = encodeRemoteExecEvent({ prefix: '_rexec', session })): UserEvent {
  return {
    id: 'ev-1',
    name: '_rexec',
    payload,
    nodeFilter: '',
    serviceFilter: '',
    tagFilter: '',
    version: 1,
    ltime: 1,
  };
}

async function run(kv: MemoryRemoteExecKv, event = rexecEvent()) {
  const { log, lines } = capturedLog();
  const processes: string[] = [];
  await runRemoteExecJob(
    {
      clock: new RealClock(),
      log,
      kv,
      launch: launchJob,
      onProcess: (_child: ChildProcess, state) => processes.push(state),
      // A short idle flush keeps the test quick; chunk boundaries are covered by output-chunker.test.ts.
      chunker: { chunkSizeBytes: 4096, idleFlushMs: 10 },
    },
    { nodeName: 'web-1' },
    event,
  );
  return { lines, processes };
}

function withJob(job: RemoteExecJob | string): MemoryRemoteExecKv {
  const kv = new MemoryRemoteExecKv();
  kv.liveSessions.add(session);
  const bytes = typeof job === 'string' ? Buffer.from(job) : Buffer.from(encodeRemoteExecJob(job));
  kv.values.set(`${directory}job`, bytes);
  return kv;
}

describe('runRemoteExecJob', () => {
  it('acks, uploads the output and writes the exit code', async () => {
    const kv = withJob({ kind: 'command', command: 'echo hi; echo oops >&2; exit 3', waitMs: 2_000 });
    const { lines, processes } = await run(kv);
    const written = kv.written(`${directory}web-1/`);
    assert.deepEqual(written[0], ['ack', '']);
    assert.deepEqual(
      written.find(([key]) => key === 'exit'),
      ['exit', '3'],
    );
    const output = written
      .filter(([key]) => key.startsWith('out/'))
      .map(([, value]) => value)
      .join('');
    assert.equal(output, 'hi\noops\n');
    assert.deepEqual(processes, ['started', 'closed']);
    const started = lines.find((line) => line.msg === 'remote exec job started');
    assert.equal(started?.level, 30, 'INFO');
    assert.equal(started?.program, 'echo');
    assert.ok(!JSON.stringify(lines).includes('oops'), 'the command text is not logged');
  });

  it('runs Args with no shell and a Script from a file', async () => {
    const args = withJob({ kind: 'args', args: ['printf', '%s-%s', 'a b', '$HOME'], waitMs: 2_000 });
    await run(args);
    assert.ok(args.written(`${directory}web-1/out/`).some(([, value]) => value === 'a b-$HOME'));
    const script = withJob({
      kind: 'script',
      script: Buffer.from('#!/bin/sh\necho from script\nexit 4\n'),
      waitMs: 2_000,
    });
    await run(script);
    const written = script.written(`${directory}web-1/`);
    assert.deepEqual(
      written.find(([key]) => key === 'exit'),
      ['exit', '4'],
    );
    assert.ok(written.some(([, value]) => value === 'from script\n'));
  });

  it('writes an empty heartbeat chunk while the command is quiet for the job Wait', async () => {
    const kv = withJob({ kind: 'command', command: 'sleep 0.5; echo done', waitMs: 100 });
    await run(kv);
    const chunks = kv.written(`${directory}web-1/out/`);
    assert.ok(
      chunks.some(([, value]) => value === ''),
      `a heartbeat among ${JSON.stringify(chunks)}`,
    );
    assert.equal(chunks.at(-1)?.[1], 'done\n');
    assert.deepEqual(
      chunks.map(([key]) => key),
      chunks.map((_, position) => position.toString(16).padStart(5, '0')),
      'chunks numbered without gaps',
    );
  });

  it('reports 255 when the program cannot be started', async () => {
    const kv = withJob({ kind: 'args', args: ['/nonexistent/program'], waitMs: 2_000 });
    await run(kv);
    assert.deepEqual(kv.written(`${directory}web-1/`), [
      ['ack', ''],
      ['exit', '255'],
    ]);
  });

  it('reads the job stale, then consistent, and gives up quietly when it is missing', async () => {
    const kv = new MemoryRemoteExecKv();
    kv.liveSessions.add(session);
    await run(kv);
    assert.deepEqual(kv.calls, [`read stale ${directory}job`, `read consistent ${directory}job`]);
  });

  for (const [name, spec] of [
    ['not JSON', 'garbage {'],
    ['a spec with nothing to run', '{"Wait":1000}'],
    ['a spec of the wrong types', '{"Command":["rm"],"Wait":"soon"}'],
  ] as const)
    it(`writes nothing and runs nothing for ${name}`, async () => {
      const kv = withJob(spec);
      const { lines, processes } = await run(kv);
      assert.deepEqual(kv.written(`${directory}web-1/`), []);
      assert.deepEqual(processes, []);
      assert.ok(lines.some((line) => line.level === 50 && line.msg === 'failed to read remote exec job'));
    });

  it('reads nothing for an event payload it cannot decode', async () => {
    const kv = new MemoryRemoteExecKv();
    await run(kv, rexecEvent(new Uint8Array(Buffer.from('{"Prefix":"_rexec","Session":"x/../../y"}'))));
    assert.deepEqual(kv.calls, []);
  });

  it('runs nothing when the ack is refused (the session is gone)', async () => {
    const kv = withJob({ kind: 'command', command: 'echo never', waitMs: 2_000 });
    kv.liveSessions.clear();
    const { processes } = await run(kv);
    assert.deepEqual(processes, []);
    assert.deepEqual(kv.calls.slice(-1), [`write ${directory}web-1/ack`]);
  });
});

describe('jobSummary', () => {
  it('names the program, size and digest, never the arguments', () => {
    const summary = jobSummary({ kind: 'command', command: 'curl -H "token: s3cret" x', waitMs: 1 });
    assert.equal(summary.program, 'curl');
    assert.equal(summary.kind, 'command');
    assert.match(String(summary.sha256), /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(summary).includes('s3cret'));
    assert.equal(jobSummary({ kind: 'script', script: Buffer.from('x'), waitMs: 1 }).program, '(script)');
  });
});

describe('heartbeatIntervalMs', () => {
  it('is the job Wait, 2 s when unset, bounded to what is sane for KV writes and Node timers', () => {
    assert.equal(heartbeatIntervalMs(1_500), 1_500);
    assert.equal(heartbeatIntervalMs(0), 2_000);
    assert.equal(heartbeatIntervalMs(0.000001), 100);
    assert.equal(heartbeatIntervalMs(1e12), 2 ** 31 - 1);
  });
});
