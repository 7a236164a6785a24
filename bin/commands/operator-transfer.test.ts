// Proves what `lattice operator raft transfer-leader` sends and prints, as Consul's CLI over api.RaftLeaderTransfer:
// a POST to /v1/operator/raft/transfer-leader with ?id= only when -id is given, "Success", and Consul's failure text.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { transferLeader } from './operator.js';

describe('lattice operator raft transfer-leader', () => {
  const seen: { method: string; url: string; token: string | undefined }[] = [];
  let server: Server;
  let baseUrl = '';
  let answer: { status: number; body: string } = { status: 200, body: '{"Success":true}' };
  before(async () => {
    server = createServer((request, response) => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        token: request.headers['x-consul-token'] as string | undefined,
      });
      response.statusCode = answer.status;
      response.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.32.0.1', resolve));
    baseUrl = `http://127.32.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('posts without an id, then with ?id=, and prints Success', async () => {
    assert.equal(await transferLeader({ baseUrl, token: null }, ''), 'Success');
    assert.equal(await transferLeader({ baseUrl, token: 'secret' }, 'a1b2'), 'Success');
    assert.deepEqual(seen.splice(0), [
      { method: 'POST', url: '/v1/operator/raft/transfer-leader', token: undefined },
      { method: 'POST', url: '/v1/operator/raft/transfer-leader?id=a1b2', token: 'secret' },
    ]);
  });

  it("fails in Consul's words on an error status or an unsuccessful reply", async () => {
    answer = { status: 500, body: 'raft: leadership transfer to x was rejected' };
    await assert.rejects(transferLeader({ baseUrl, token: null }, 'x'), {
      message:
        'Error transfering leadership: Failed to transfer leadership Unexpected response code: 500 ' +
        '(raft: leadership transfer to x was rejected)',
    });
    answer = { status: 200, body: '{"Success":false}' };
    await assert.rejects(transferLeader({ baseUrl, token: null }, ''), {
      message: 'Error transfering leadership: Failed to transfer leadership',
    });
  });
});
