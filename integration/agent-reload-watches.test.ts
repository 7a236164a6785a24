// Proves a failed reload leaves the agent's `watches` running from the previous configuration, as Consul does:
// Consul's reloadConfig reads and validates the files first (AutoConfig.ReadConfig) and returns on error before
// reloadConfigInternal, so reloadWatches, which stops the running plans, never runs. Both ways in are covered:
// SIGHUP and `lattice reload` against an agent whose config dir gained a broken file. The watch is a key watch with
// an http handler posting to a receiver in this test; a change after each failed reload must still be posted.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const address = '127.29.0.40';
const started: LatticeProcess[] = [];
const temporary: TempDir[] = [];
const servers: Server[] = [];
after(async () => {
  for (const process of started) process.kill();
  for (const server of servers) server.close();
  await Promise.all(temporary.map((dir) => dir.remove()));
});

/** The values the watch handler posted, decoded, in arrival order. */
async function hookReceiver(): Promise<{ readonly url: string; readonly values: string[] }> {
  const values: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const pair = JSON.parse(body) as { Value?: string | null } | null;
      values.push(pair?.Value ? Buffer.from(pair.Value, 'base64').toString('utf8') : '');
      response.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return { url: `http://${address}:${(server.address() as AddressInfo).port}/hook`, values };
}

async function putKey(value: string): Promise<void> {
  const response = await fetch(`http://${address}:8500/v1/kv/app/watched`, { method: 'PUT', body: value });
  assert.equal(response.status, 200);
}

describe('agent watches across a failed reload', () => {
  it('keep running from the previous configuration after SIGHUP or `lattice reload` with a broken file', async () => {
    const hooks = await hookReceiver();
    const watch = {
      watches: [
        {
          type: 'key',
          key: 'app/watched',
          handler_type: 'http',
          http_handler_config: { path: hooks.url, method: 'POST' },
        },
      ],
    };
    const dir = await makeTempDir({ 'watch.json': JSON.stringify(watch) });
    temporary.push(dir);
    const agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, `-config-dir=${dir.path}`]);
    started.push(agent);
    await waitForHttp(`http://${address}:8500/v1/agent/self`, { process: agent });

    await putKey('one');
    await waitFor(() => hooks.values.includes('one'), { what: 'the watch posting "one"' });

    await writeFile(dir.file('broken.json'), '{ "watches": [ ');
    process.kill(agent.pid, 'SIGHUP');
    await agent.waitForOutput(/Reload config failed: .*broken\.json/);
    await putKey('two');
    await waitFor(() => hooks.values.includes('two'), { what: 'the old watch posting "two" after a failed SIGHUP' });

    const reload = await runLattice(['reload', `-http-addr=${address}:8500`]);
    assert.equal(reload.code, 1, reload.stdout);
    assert.match(reload.stderr, /^Error reloading: .*broken\.json/);
    await putKey('three');
    await waitFor(() => hooks.values.includes('three'), {
      what: 'the old watch posting "three" after a failed `lattice reload`',
    });
    assert.equal(agent.hasExited, false, agent.output);

    const result = await agent.stop('SIGINT');
    assert.equal(result.code, 0, agent.output);
  });
});
