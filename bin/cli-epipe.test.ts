// Proves `lattice kv export | head` ends quietly: when the reader of stdout goes away, the CLI exits 0 without an
// unhandled 'error' event or a stack on stderr, as a Go CLI dies quietly of SIGPIPE. Against a local HTTP server
// on 127.32.0.5 that answers a large recurse read.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const latticeBin = fileURLToPath(new URL('./lattice.js', import.meta.url));

describe('lattice with a closed stdout', () => {
  let server: Server;
  let address = '';
  before(async () => {
    const value = Buffer.alloc(4000, 97).toString('base64');
    const pairs = Array.from({ length: 400 }, (_, i) => ({
      Key: `p/${i}`,
      Flags: 0,
      Value: value,
      LockIndex: 0,
      CreateIndex: i + 1,
      ModifyIndex: i + 1,
    }));
    const body = JSON.stringify(pairs);
    server = createServer((request, response) => {
      request.resume();
      response.setHeader('X-Consul-Index', '400');
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.32.0.5', resolve));
    address = `127.32.0.5:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('exits 0 with nothing on stderr when the reader stops reading (EPIPE)', async () => {
    const child = spawn(process.execPath, [latticeBin, 'kv', 'export', 'p/', '-http-addr', address], {
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // `head -c 10`: take the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
