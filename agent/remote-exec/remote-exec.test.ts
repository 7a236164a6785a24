// The agent's remote exec switch: with disable_remote_exec (the default) an event is logged at INFO with Consul's
// wording and nothing is read, written or started; enabled, the job runs; stopping the agent kills a job's process.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RealClock } from '../../lib/clock.js';
import { capturedLog } from '../../lib/testing/captured-log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import type { UserEvent } from '../events/events.js';
import { RemoteExec, remoteExecJobsMax } from './remote-exec.js';
import { MemoryRemoteExecKv } from './testing-kv.js';
import { encodeRemoteExecEvent, encodeRemoteExecJob } from './wire.js';

const session = '5f2c8d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f';
const event: UserEvent = {
  id: '0b5d1d3c-0000-4000-8000-000000000001',
  name: '_rexec',
  payload: encodeRemoteExecEvent({ prefix: '_rexec', session }),
  nodeFilter: '',
  serviceFilter: '',
  tagFilter: '',
  version: 1,
  ltime: 1,
};

function kvWith(command: string): MemoryRemoteExecKv {
  const kv = new MemoryRemoteExecKv();
  kv.liveSessions.add(session);
  kv.values.set(`_rexec/${session}/job`, Buffer.from(encodeRemoteExecJob({ kind: 'command', command, waitMs: 2_000 })));
  return kv;
}

describe('RemoteExec', () => {
  it('ignores events when disabled, as Consul does by default: no read, no ack, nothing run', async () => {
    const kv = kvWith('echo should-not-run');
    const { log, lines } = capturedLog();
    const remoteExec = new RemoteExec({ clock: new RealClock(), log, kv }, { nodeName: 'web-1', disabled: true });
    await remoteExec.start();
    remoteExec.handle(event);
    assert.deepEqual(kv.calls, []);
    assert.equal(remoteExec.runningProcessCount, 0);
    const line = lines.find((entry) => entry.msg === `ignoring remote exec event (${event.id}), disabled.`);
    assert.equal(line?.level, 30);
    await remoteExec.stop();
  });

  it('runs the job when enabled', async () => {
    const kv = kvWith('echo ran');
    const remoteExec = new RemoteExec(
      { clock: new RealClock(), log: capturedLog().log, kv },
      { nodeName: 'web-1', disabled: false },
    );
    await remoteExec.start();
    remoteExec.handle(event);
    await waitForCondition(() => kv.values.has(`_rexec/${session}/web-1/exit`), 'the exit code');
    assert.equal(kv.values.get(`_rexec/${session}/web-1/exit`)?.toString(), '0');
    await remoteExec.stop();
  });

  it('kills a running job when the agent stops, and takes no new ones', async () => {
    const kv = kvWith('sleep 30');
    const remoteExec = new RemoteExec(
      { clock: new RealClock(), log: capturedLog().log, kv },
      { nodeName: 'web-1', disabled: false },
    );
    await remoteExec.start();
    remoteExec.handle(event);
    await waitForCondition(() => remoteExec.runningProcessCount === 1, 'the job process');
    await remoteExec.stop();
    await waitForCondition(() => kv.values.has(`_rexec/${session}/web-1/exit`), 'the exit code after the kill');
    assert.equal(kv.values.get(`_rexec/${session}/web-1/exit`)?.toString(), '-1', 'killed by a signal');
    const callsBefore = kv.calls.length;
    remoteExec.handle(event);
    assert.equal(kv.calls.length, callsBefore);
  });

  it('drops events beyond remoteExecJobsMax jobs at once, and stops within its signal', async () => {
    const kv = new MemoryRemoteExecKv();
    let reads = 0;
    kv.read = () => {
      reads++;
      return new Promise(() => undefined); // a server that never answers: every job stays in flight
    };
    const { log, lines } = capturedLog();
    const remoteExec = new RemoteExec({ clock: new RealClock(), log, kv }, { nodeName: 'web-1', disabled: false });
    await remoteExec.start();
    for (let count = 0; count <= remoteExecJobsMax; count++) remoteExec.handle(event);
    assert.equal(reads, remoteExecJobsMax);
    assert.equal(
      lines.filter((line) => line.msg === 'dropping remote exec event: too many remote exec jobs running').length,
      1,
    );
    const stopping = new AbortController();
    const stopped = remoteExec.stop({ signal: stopping.signal });
    stopping.abort();
    await stopped;
  });
});
