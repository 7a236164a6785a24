// Proves what `lattice keyring` sends and prints: the method, body and token per action against a local HTTP
// server, Consul's list layout, and clear errors for 501 and an unreachable agent.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AgentHttpError, asConsulKeyringError, callKeyringApi, chooseAction, formatKeyringList } from './keyring.js';

const key = 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=';

describe('lattice keyring', () => {
  const seen: { method: string; url: string; body: string; token: string | undefined }[] = [];
  let server: Server;
  let baseUrl = '';
  let status = 200;
  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          body,
          token: request.headers['x-consul-token'] as string | undefined,
        });
        response.statusCode = status;
        const list = [{ WAN: false, Datacenter: 'dc1', Keys: { [key]: 3 }, PrimaryKeys: { [key]: 3 }, NumNodes: 3 }];
        response.end(request.method === 'GET' && status === 200 ? JSON.stringify(list) : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('maps each action to its method and body', async () => {
    const target = { baseUrl, token: 'secret' };
    const list = await callKeyringApi(target, 'list', undefined);
    assert.equal(list?.[0]?.NumNodes, 3);
    await callKeyringApi(target, 'install', key);
    await callKeyringApi(target, 'use', key);
    await callKeyringApi(target, 'remove', key);
    assert.deepEqual(
      seen.map((request) => [request.method, request.url, request.body, request.token]),
      [
        ['GET', '/v1/operator/keyring', '', 'secret'],
        ['POST', '/v1/operator/keyring', JSON.stringify({ Key: key }), 'secret'],
        ['PUT', '/v1/operator/keyring', JSON.stringify({ Key: key }), 'secret'],
        ['DELETE', '/v1/operator/keyring', JSON.stringify({ Key: key }), 'secret'],
      ],
    );
  });
  it('says clearly when the agent has no keyring endpoint yet', async () => {
    status = 501;
    await assert.rejects(
      callKeyringApi({ baseUrl, token: null }, 'list', undefined),
      /does not serve \/v1\/operator\/keyring yet/,
    );
    status = 200;
  });
  it('says clearly when no agent listens', async () => {
    await assert.rejects(
      callKeyringApi({ baseUrl: 'http://127.0.0.1:1', token: null }, 'list', undefined),
      /cannot reach the agent at http:\/\/127.0.0.1:1 .*is `lattice agent` running/,
    );
  });
  it('prints pools as consul keyring does', () => {
    const text = formatKeyringList([
      { WAN: false, Datacenter: 'dc1', Keys: { [key]: 4 }, NumNodes: 4 },
      { WAN: true, Datacenter: 'dc1', Keys: { [key]: 2 }, NumNodes: 2 },
    ]);
    assert.equal(text, `\nWAN:\n  ${key} [2/2]\n\ndc1 (LAN):\n  ${key} [4/4]`);
  });
  it('requires exactly one action and checks the key locally', () => {
    assert.throws(() => chooseAction({ format: 'pretty' }), /exactly one of/);
    assert.throws(() => chooseAction({ format: 'pretty', list: true, install: key }), /exactly one of/);
    assert.throws(() => chooseAction({ format: 'pretty', install: 'short' }), /base64|bytes/);
    assert.deepEqual(chooseAction({ format: 'pretty', use: key }), { action: 'use', key, primaryOnly: false });
  });
});

describe('lattice keyring failures', () => {
  it("prints an API failure as Consul's keyring command does: error: <err>", () => {
    const failure = new AgentHttpError('ERR_AGENT_HTTP', 'Unexpected response code: 500 (1 error occurred:)');
    const shown = asConsulKeyringError(failure) as Error;
    assert.equal(shown.message, 'error: Unexpected response code: 500 (1 error occurred:)');
    const other = new Error('bug');
    assert.equal(asConsulKeyringError(other), other);
  });
});
