// Proves Consul's common HTTP flags on the real `lattice` binary against a local HTTP server that records requests:
// -datacenter is accepted by kv get/put/delete/export, event, lock, intention list and config list and travels as
// ?dc=; the TLS flags are accepted everywhere (ignored for an http address, as Consul's client ignores them); with
// an https address they are refused as not implemented; agent-local commands (members) have no -datacenter.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const latticeBin = fileURLToPath(new URL('./lattice.js', import.meta.url));

function run(args: readonly string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [latticeBin, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('common HTTP flags on the lattice CLI', () => {
  const seen: string[] = [];
  let server: Server;
  let address = '';
  before(async () => {
    server = createServer((request, response) => {
      const url = request.url ?? '';
      seen.push(`${request.method} ${url}`);
      request.resume();
      request.on('end', () => {
        if (url.startsWith('/v1/kv/') && request.method === 'GET') {
          response.statusCode = url.includes('recurse') ? 200 : 404;
          response.end(url.includes('recurse') ? '[]' : '');
        } else if (url.startsWith('/v1/kv/')) response.end('true');
        else if (url.startsWith('/v1/event/fire/')) response.end('{"ID":"e1","Name":"deploy"}');
        else if (url.startsWith('/v1/connect/intentions') || url.startsWith('/v1/config/')) response.end('[]');
        else {
          response.statusCode = 500;
          response.end('stop here');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.32.0.1', resolve));
    address = `127.32.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('sends -datacenter as ?dc= for kv, event, lock, intention list and config list', async () => {
    const commands = [
      ['kv', 'get', 'a'],
      ['kv', 'put', 'a', 'v'],
      ['kv', 'delete', 'a'],
      ['kv', 'export', 'a/'],
      ['event', '-name', 'deploy'],
      ['lock', 'locks/x', 'true'],
      ['intention', 'list'],
      ['config', 'list', '-kind', 'service-defaults'],
    ];
    for (const command of commands) {
      seen.length = 0;
      const flags = ['-datacenter', 'dc2', '-http-addr', address];
      // lock's words after its prefix are the child command, so its flags go first, as Go's flag package needs.
      const argv = command[0] === 'lock' ? ['lock', ...flags, ...command.slice(1)] : [...command, ...flags];
      const result = await run(argv);
      assert.doesNotMatch(result.stderr, /unknown option/, `${command.join(' ')}: ${result.stderr}`);
      assert.ok(seen.length > 0, `${command.join(' ')} made a request`);
      for (const request of seen) assert.match(request, /[?&]dc=dc2(&|$)/, `${command.join(' ')}: ${request}`);
    }
  });

  it('force-leave prints Consul\'s "Error force leaving:" prefix once', async () => {
    const result = await run(['force-leave', 'nosuch', '-http-addr', address]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Error force leaving: Unexpected response code: 500 (stop here)\n');
  });

  it("join prints Consul's line per failed address, then 'Failed to join any nodes.'", async () => {
    const result = await run(['join', '10.0.0.1', '10.0.0.2', '-http-addr', address]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "Error joining address '10.0.0.1': Unexpected response code: 500 (stop here)\n" +
        "Error joining address '10.0.0.2': Unexpected response code: 500 (stop here)\n" +
        'Failed to join any nodes.\n',
    );
  });

  it('kv put -flags past uint64 says "value out of range", as Go\'s flag package', async () => {
    const big = await run(['kv', 'put', '-flags=18446744073709551616', 'a', 'v', '-http-addr', address]);
    assert.equal(big.code, 1);
    assert.match(big.stderr, /invalid value "18446744073709551616" for flag -flags: value out of range/);
    const word = await run(['kv', 'put', '-flags=x', 'a', 'v', '-http-addr', address]);
    assert.match(word.stderr, /invalid value "x" for flag -flags: parse error/);
  });

  it('exec takes the common flags before the command and sends -datacenter as ?dc=', async () => {
    seen.length = 0;
    const result = await run(['exec', '-datacenter', 'dc2', '-http-addr', address, '-node=x', 'uptime']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Error querying Consul agent: Unexpected response code: 500 (stop here)\n');
    assert.deepEqual(seen, ['GET /v1/agent/self?dc=dc2']);
  });

  it('accepts the TLS flags for an http address and refuses them for https', async () => {
    const tls = ['-ca-file', 'ca.pem', '-ca-path', '/tmp', '-client-cert', 'c.pem', '-client-key', 'k.pem'];
    const accepted = await run(['kv', 'get', 'a', ...tls, '-tls-server-name', 'consul', '-http-addr', address]);
    assert.doesNotMatch(accepted.stderr, /unknown option/);
    assert.match(accepted.stderr, /No key exists at: a/);
    const refused = await run(['kv', 'get', 'a', '-ca-file', 'ca.pem', '-http-addr', `https://${address}`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^HTTPS is not implemented yet: .* -ca-file cannot be honoured/);
    const viaEnv = await run(['members'], { CONSUL_HTTP_ADDR: address, CONSUL_HTTP_SSL: 'true', CONSUL_CACERT: 'x' });
    assert.equal(viaEnv.code, 1);
    assert.match(viaEnv.stderr, /HTTPS is not implemented yet: .* CONSUL_CACERT cannot be honoured/);
  });

  it('has no -datacenter on agent-local commands, as Consul (ClientFlags only)', async () => {
    const result = await run(['members', '-datacenter', 'dc2', '-http-addr', address]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown option '--datacenter'/);
  });
});
