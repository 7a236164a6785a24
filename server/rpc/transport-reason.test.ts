// Proves the cause HTTP clients read after "rpc error making call: " when a server is down: Go's dial wording for
// grpc-js's connection failures, never its "Last error" / "Resolution note" internals.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RealClock } from '../../lib/clock.js';
import { RpcTransportError } from './errors.js';
import { GrpcRpcClient } from './grpc-client.js';
import { shortTransportReason } from './transport-reason.js';

describe('shortTransportReason', () => {
  it("says what Go's dialer says for a refused or unreachable server", () => {
    assert.equal(
      shortTransportReason(
        'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.181:8300. Resolution note: ',
      ),
      'dial tcp 127.0.0.181:8300: connect: connection refused',
    );
    assert.equal(
      shortTransportReason('No connection established. Last error: connect EHOSTUNREACH 10.0.0.9:8300'),
      'dial tcp 10.0.0.9:8300: connect: no route to host',
    );
    assert.equal(
      shortTransportReason('read ECONNRESET 10.0.0.9:8300'),
      'dial tcp 10.0.0.9:8300: connection reset by peer',
    );
  });

  it('strips the channel internals it cannot map, and never answers empty', () => {
    assert.equal(
      shortTransportReason('No connection established. Last error: Error: something odd. Resolution note: dns'),
      'something odd.',
    );
    assert.equal(shortTransportReason('Deadline exceeded'), 'Deadline exceeded');
    assert.equal(
      shortTransportReason('No connection established. Last error: . Resolution note: '),
      'connection failed',
    );
    assert.equal(shortTransportReason(''), 'connection failed');
  });
});

describe('GrpcRpcClient to a server that is down', () => {
  it('fails with "rpc error making call: dial tcp ADDR: connect: connection refused"', async () => {
    // Port 1 on a loopback address of this test's own: nothing listens there.
    const client = new GrpcRpcClient('127.0.0.217:1', new RealClock());
    try {
      await assert.rejects(
        client.call('Status.Leader', {}, { context: { datacenter: 'dc1', token: '' } }),
        (error: Error) => {
          assert.ok(error instanceof RpcTransportError);
          assert.equal(error.message, 'rpc error making call: dial tcp 127.0.0.217:1: connect: connection refused');
          // No connection was ever made, so the call never left: even a write may be forwarded again.
          assert.equal((error as RpcTransportError).notDelivered, true);
          return true;
        },
      );
    } finally {
      client.close();
    }
  });
});
