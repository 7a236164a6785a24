// Proves Operator.RaftTransferLeader hands Raft's refusal on with its text: the error crosses the RPC wire intact,
// so a follower forwarding the call answers what the leader's Raft said, not "internal error on the server".

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftRejectedError } from '../../raft/node.js';
import { encodeRpcError } from '../rpc/errors.js';
import type { ClusterOps } from './cluster-ops.js';
import type { EndpointContext } from './context.js';
import { operatorEndpoints } from './operator.js';

describe('Operator.RaftTransferLeader', () => {
  it("keeps Raft's refusal text across the wire", async () => {
    const cluster = {
      transferLeadership: async () => {
        throw new RaftRejectedError('leadership transfer to nosuch was rejected');
      },
    } as unknown as ClusterOps;
    const handlers = operatorEndpoints({} as EndpointContext, cluster);
    const call = { signal: new AbortController().signal } as Parameters<
      (typeof handlers)['Operator.RaftTransferLeader']
    >[1];
    await assert.rejects(handlers['Operator.RaftTransferLeader']({ ID: 'nosuch' }, call), (error: unknown) => {
      assert.equal(encodeRpcError(error).message, 'leadership transfer to nosuch was rejected');
      return true;
    });
  });
});
