// Proves `lattice watch` against a -dev agent on 127.0.0.121: a key watch runs its handler (through the shell)
// with the pair as JSON on stdin and CONSUL_INDEX in its environment, first for the absent key and then once per
// value put over the API, and SIGINT ends it with status 0; without a handler the watch prints the current result
// once and exits; a failing handler ends the watch with status 1; an event watch hands over each new event. The
// agent's own `watches` config runs a key watch whose `args` handler sees each value too.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const address = '127.0.0.121';
const base = `http://${address}:8500`;
const httpAddr = `-http-addr=${address}:8500`;
let agent: LatticeProcess;
let dir: TempDir;
const watches: LatticeProcess[] = [];

before(async () => {
  dir = await makeTempDir();
  const agentLog = dir.file('agent-watch.log');
  await writeFile(
    dir.file('watches.json'),
    JSON.stringify({
      watches: [
        {
          type: 'key',
          key: 'agent/watched',
          args: ['/bin/sh', '-c', `echo index=$CONSUL_INDEX >> ${agentLog}; cat >> ${agentLog}`],
        },
      ],
    }),
  );
  agent = startLattice([
    'agent',
    '-dev',
    `-bind=${address}`,
    `-client=${address}`,
    `-config-file=${dir.file('watches.json')}`,
  ]);
  await waitForHttp(`${base}/v1/agent/self`, { process: agent });
});

after(async () => {
  for (const watch of watches) watch.kill();
  await agent.stop().catch(() => agent.kill());
  await dir.remove();
});

async function put(key: string, value: string): Promise<void> {
  const response = await fetch(`${base}/v1/kv/${key}`, { method: 'PUT', body: value });
  assert.equal(await response.text(), 'true');
}

/** The JSON documents the handler appended, one per run, each preceded by its `CONSUL_INDEX=` line. */
async function handlerRuns(file: string): Promise<{ index: string; data: unknown }[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((line) => line !== '');
  const runs: { index: string; data: unknown }[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2)
    runs.push({ index: (lines[i] ?? '').replace('index=', ''), data: JSON.parse(lines[i + 1] ?? 'null') });
  return runs;
}

const decodedValue = (data: unknown): string | null =>
  data === null ? null : Buffer.from((data as { Value: string }).Value, 'base64').toString();

describe('lattice watch', () => {
  it('runs a key watch handler with each value on stdin until SIGINT', async () => {
    const log = dir.file('key-handler.log');
    const watch = startLattice([
      'watch',
      httpAddr,
      '-type=key',
      '-key=demo/colour',
      '--',
      `echo index=$CONSUL_INDEX >> ${log}; cat >> ${log}`,
    ]);
    watches.push(watch);
    const seen = async (count: number) =>
      waitFor(
        async () => {
          if (watch.hasExited) throw new Error(`watch exited\n${watch.output}`);
          const runs = await handlerRuns(log);
          return runs.length >= count ? runs : null;
        },
        { what: `${count} handler runs` },
      );
    const first = await seen(1);
    assert.equal(first[0]?.data, null, 'the key does not exist yet');

    await put('demo/colour', 'blue');
    await seen(2);
    await put('demo/colour', 'green');
    const runs = await seen(3);
    assert.deepEqual(
      runs.map((run) => decodedValue(run.data)),
      [null, 'blue', 'green'],
    );
    const pair = runs[2]?.data as { Key: string; ModifyIndex: number };
    assert.equal(pair.Key, 'demo/colour');
    assert.equal(runs[2]?.index, String(pair.ModifyIndex), 'CONSUL_INDEX is the blocking index');

    const stopped = await watch.stop('SIGINT');
    assert.equal(stopped.code, 0, watch.output);
  });

  it('prints the current result once and exits without a handler', async () => {
    await put('demo/shape', 'circle');
    const result = await runLattice(['watch', httpAddr, '-type=key', '-key=demo/shape']);
    assert.equal(result.code, 0, result.stderr);
    const pair = JSON.parse(result.stdout) as { Key: string; Value: string };
    assert.equal(pair.Key, 'demo/shape');
    assert.equal(decodedValue(pair), 'circle');
    assert.match(result.stdout, /^\{\n {4}"/, "indented by four spaces, as Go's MarshalIndent");
  });

  it('exits 1 when the handler fails', async () => {
    const result = await runLattice(['watch', httpAddr, '-type=nodes', 'exit 3']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error executing handler: exit status 3/);
  });

  it('hands an event watch only the events fired since the last run', async () => {
    const log = dir.file('event-handler.log');
    const watch = startLattice([
      'watch',
      httpAddr,
      '-type=event',
      '-name=ship',
      '--',
      `echo index=0 >> ${log}; cat >> ${log}`,
    ]);
    watches.push(watch);
    const fire = async (payload: string) =>
      assert.equal((await fetch(`${base}/v1/event/fire/ship`, { method: 'PUT', body: payload })).status, 200);
    const runs = async (count: number) =>
      waitFor(async () => ((await handlerRuns(log)).length >= count ? handlerRuns(log) : null), {
        what: `${count} event handler runs\n${watch.output}`,
      });
    await runs(1); // the first run: no events yet
    await fire('one');
    await runs(2);
    await fire('two');
    const all = await runs(3);
    const payloads = all.map((run) =>
      (run.data as { Payload: string }[]).map((event) => Buffer.from(event.Payload, 'base64').toString()),
    );
    assert.deepEqual(payloads, [[], ['one'], ['two']]);
    assert.equal((await watch.stop('SIGINT')).code, 0, watch.output);
  });

  it("runs the agent's configured watch handler on each change", async () => {
    const log = dir.file('agent-watch.log');
    const runs = async (count: number) =>
      waitFor(async () => ((await handlerRuns(log)).length >= count ? handlerRuns(log) : null), {
        what: `${count} runs of the agent's watch handler\n${agent.output}`,
      });
    await runs(1);
    await put('agent/watched', 'on');
    await runs(2);
    await put('agent/watched', 'off');
    const all = await runs(3);
    assert.deepEqual(
      all.map((run) => decodedValue(run.data)),
      [null, 'on', 'off'],
    );
  });

  it('refuses an unknown type before contacting the agent', async () => {
    const result = await runLattice(['watch', '-http-addr=127.0.0.121:1', '-type=keys']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Unsupported watch type: keys/);
  });
});
