// Proves `lattice services register` from flags (-name -id -address -port -tag -meta -tagged-address -kind), from
// files combined with flags as Consul's CombineArgs does, its refusals (neither or both), and `services
// deregister -id`, through the real commander wiring against a fake agent HTTP server on a loopback address.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Command } from 'commander';
import { normalizeArgv } from '../argv.js';
import { combineWithFlags, definitionFromFlags, registerServices } from './services.js';

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

let server: Server;
let address = '';
const requests: Recorded[] = [];
let answerStatus = 200;

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', body });
      response.statusCode = answerStatus;
      response.end(answerStatus === 200 ? '' : 'Invalid service address');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.211', resolve));
  address = `127.0.0.211:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  answerStatus = 200;
});

async function run(args: readonly string[]): Promise<string> {
  let printed = '';
  const program = new Command('lattice').exitOverride().configureOutput({ writeErr: () => undefined });
  registerServices(program, { write: (text: string) => (printed += text) });
  await program.parseAsync(normalizeArgv(['services', ...args, `-http-addr=${address}`]), { from: 'user' });
  return printed;
}

describe('lattice services register', () => {
  it('registers one service from flags', async () => {
    const printed = await run([
      'register',
      '-name=web',
      '-id=web-1',
      '-address=10.0.0.5',
      '-port=8080',
      '-tag=v1',
      '-tag=primary',
      '-meta=team=payments',
      '-meta=tier=1',
      '-tagged-address=lan=10.0.0.5:8080',
      '-kind=connect-proxy',
    ]);
    assert.equal(printed, 'Registered service: web\n');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.method, 'PUT');
    assert.equal(requests[0]?.url, '/v1/agent/service/register');
    assert.deepEqual(JSON.parse(requests[0]?.body ?? ''), {
      Kind: 'connect-proxy',
      ID: 'web-1',
      Name: 'web',
      Address: '10.0.0.5',
      Port: 8080,
      Tags: ['v1', 'primary'],
      Meta: { team: 'payments', tier: '1' },
      TaggedAddresses: { lan: { Address: '10.0.0.5', Port: 8080 } },
    });
  });

  it('sends only the flags given (the agent defaults the ID to the name)', async () => {
    await run(['register', '-name=db']);
    assert.deepEqual(JSON.parse(requests[0]?.body ?? ''), { Name: 'db' });
  });

  it('combines files with flags: flags fill empty fields, add meta and append tags', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lattice-svc-'));
    try {
      const file = join(dir, 'api.hcl');
      await writeFile(file, 'service {\n  name = "api"\n  port = 9000\n  tags = ["a"]\n  meta = { x = "1" }\n}\n');
      const printed = await run(['register', '-address=10.0.0.9', '-port=1', '-tag=b', '-meta=y=2', file]);
      assert.equal(printed, 'Registered service: api\n');
      assert.deepEqual(JSON.parse(requests[0]?.body ?? ''), {
        name: 'api',
        port: 9000,
        tags: ['a', 'b'],
        meta: { x: '1', y: '2' },
        Address: '10.0.0.9',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses neither files nor -name, and both, with Consul's messages, sending nothing", async () => {
    await assert.rejects(run(['register']), /Service registration requires at least one argument or flags\./);
    await assert.rejects(
      run(['register', '-name=web', 'web.json']),
      /Service registration requires arguments or -id, not both\./,
    );
    await assert.rejects(run(['register', '-name=web', '-meta=novalue']), /missing "=" value in argument: novalue/);
    await assert.rejects(run(['register', '/nonexistent/web.json']), {
      message: 'Error: Failed to read file: open /nonexistent/web.json: no such file or directory',
    });
    assert.equal(requests.length, 0);
  });

  it("refuses deregister with neither or both of files and -id with Consul's messages, sending nothing", async () => {
    await assert.rejects(run(['deregister']), {
      message: 'Service deregistration requires at least one argument or -id.',
    });
    await assert.rejects(run(['deregister', '-id=web', 'web.json']), {
      message: 'Service deregistration requires arguments or -id, not both.',
    });
    assert.equal(requests.length, 0);
  });

  it("reports the agent's refusal as Consul does", async () => {
    answerStatus = 400;
    await assert.rejects(
      run(['register', '-name=web']),
      (error: Error) =>
        error.message === 'Error registering service "web": Unexpected response code: 400 (Invalid service address)',
    );
  });
});

describe('lattice services deregister', () => {
  it('deregisters by -id', async () => {
    const printed = await run(['deregister', '-id=web-1']);
    assert.equal(printed, 'Deregistered service: web-1\n');
    assert.deepEqual(
      requests.map((request) => `${request.method} ${request.url}`),
      ['PUT /v1/agent/service/deregister/web-1'],
    );
  });
});

describe('definitionFromFlags and combineWithFlags', () => {
  it('keeps a file value over a flag and reads any key spelling', () => {
    const flags = definitionFromFlags({ name: 'x', port: 5, taggedAddress: { wan: '[::1]:80' } });
    assert.deepEqual(flags['TaggedAddresses'], { wan: { Address: '::1', Port: 80 } });
    assert.deepEqual(combineWithFlags({ Name: 'file', Port: 0, tagged_addresses: { lan: 1 } }, flags), {
      Name: 'file',
      Port: 5,
      tagged_addresses: { lan: 1, wan: { Address: '::1', Port: 80 } },
    });
  });
});
