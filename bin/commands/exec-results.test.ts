// Reading a job's results from a stand-in agent (a local HTTP server on 127.38.0.2 answering the KV reads): every
// key is reported once, by kind; a node's exit comes after its output even though `exit` sorts before `out/`; an
// empty chunk is a heartbeat; an unknown key or an unparsable exit code is a problem, and the stream goes on.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitForCondition } from '../../lib/testing/wait.js';
import { streamResults } from './exec-results.js';

const directory = '_rexec/5f2c8d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f/';
const values: Record<string, string> = {
  [`${directory}job`]: '{}',
  [`${directory}a/ack`]: '',
  [`${directory}a/exit`]: '3',
  [`${directory}a/out/00000`]: 'hi\n',
  [`${directory}a/out/00001`]: '',
  [`${directory}b/ack`]: '',
  [`${directory}b/exit`]: 'three',
  [`${directory}stray`]: 'x',
};

describe('streamResults', () => {
  let server: Server;
  let baseUrl = '';
  let listings = 0;
  before(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '', 'http://agent');
      const key = decodeURIComponent(url.pathname.slice('/v1/kv/'.length));
      if (url.searchParams.has('keys')) {
        listings++;
        response.setHeader('X-Consul-Index', '10');
        if (listings > 1) {
          // A blocking read with nothing new: answer the same index after a moment, as an agent's wait would.
          setTimeout(() => response.end(JSON.stringify(Object.keys(values).sort())), 5);
          return;
        }
        response.end(JSON.stringify(Object.keys(values).sort()));
        return;
      }
      const value = values[key];
      if (value === undefined) {
        response.statusCode = 404;
        response.end();
        return;
      }
      response.setHeader('X-Consul-Index', '10');
      response.end(
        JSON.stringify([{ Key: key, Flags: 0, Value: value === '' ? null : Buffer.from(value).toString('base64') }]),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.38.0.2', resolve));
    baseUrl = `http://127.38.0.2:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('reports each key once, by kind, with exits after output', async () => {
    const events: string[] = [];
    const stop = new AbortController();
    const streaming = streamResults({ baseUrl, token: null }, directory, 1_000, stop.signal, {
      ack: (node) => events.push(`ack ${node}`),
      heartbeat: (node) => events.push(`heartbeat ${node}`),
      output: (node, output) => events.push(`output ${node} ${JSON.stringify(output.toString())}`),
      exit: (node, code) => {
        events.push(`exit ${node} ${code}`);
      },
      problem: (message) => events.push(`problem ${message}`),
    });
    // Two more listings at the same index: everything was reported and nothing is reported twice.
    await waitForCondition(() => listings >= 3, 'two more listings');
    stop.abort();
    await streaming;
    assert.deepEqual(events, [
      'ack a',
      'output a "hi\\n"',
      'heartbeat a',
      'ack b',
      "problem Unknown key 'stray', ignoring.",
      'exit a 3',
      "problem Failed to parse exit code 'three': not a 32-bit decimal integer",
    ]);
  });
});
