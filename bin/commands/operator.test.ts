// `lattice operator autopilot state`'s pretty format against Consul's own golden output (command/operator/
// autopilot/state/testdata/ce: state.json in, pretty.golden out): servers sorted by ID, meta sorted and quoted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AutopilotStateReply } from '../../server/rpc/methods.js';
import { formatAutopilotState } from './operator.js';

const server = (
  id: string,
  name: string,
  address: string,
  status: string,
  contact: string,
  index: number,
  meta: Record<string, string>,
) => ({
  ID: id,
  Name: name,
  Address: address,
  NodeStatus: 'alive',
  Version: '1.9.0',
  LastContact: contact,
  LastTerm: 3,
  LastIndex: index,
  Healthy: true,
  StableSince: '2020-11-06T14:51:00Z',
  ReadReplica: false,
  Status: status,
  Meta: meta,
  NodeType: 'voter',
});

const n1 = '79324811-9588-4311-b208-f272e38aaabf';
const n2 = 'ef8aee9a-f9d6-4ec4-b383-aac956bdb80f';
const n3 = 'ae84aefb-a303-4734-8739-5c102d4ee2d9';

const state: AutopilotStateReply = {
  Healthy: true,
  FailureTolerance: 1,
  OptimisticFailureTolerance: 0,
  Servers: {
    [n1]: server(n1, 'node1', '198.18.0.1:8300', 'leader', '0s', 42, { foo: 'bar' }),
    [n3]: server(n3, 'node3', '198.18.0.3:8300', 'voter', '2ms', 39, { baz: 'foo' }),
    [n2]: server(n2, 'node2', '198.18.0.2:8300', 'voter', '1ms', 41, { bar: 'baz' }),
  },
  Leader: n1,
  Voters: [n1, n2, n3],
};

const golden = `Healthy:                      true
Failure Tolerance:            1
Optimistic Failure Tolerance: 0
Leader:                       79324811-9588-4311-b208-f272e38aaabf
Voters:
   79324811-9588-4311-b208-f272e38aaabf
   ef8aee9a-f9d6-4ec4-b383-aac956bdb80f
   ae84aefb-a303-4734-8739-5c102d4ee2d9
Servers:
   79324811-9588-4311-b208-f272e38aaabf
      Name:            node1
      Address:         198.18.0.1:8300
      Version:         1.9.0
      Status:          leader
      Node Type:       voter
      Node Status:     alive
      Healthy:         true
      Last Contact:    0s
      Last Term:       3
      Last Index:      42
      Meta
         "foo": "bar"
   ae84aefb-a303-4734-8739-5c102d4ee2d9
      Name:            node3
      Address:         198.18.0.3:8300
      Version:         1.9.0
      Status:          voter
      Node Type:       voter
      Node Status:     alive
      Healthy:         true
      Last Contact:    2ms
      Last Term:       3
      Last Index:      39
      Meta
         "baz": "foo"
   ef8aee9a-f9d6-4ec4-b383-aac956bdb80f
      Name:            node2
      Address:         198.18.0.2:8300
      Version:         1.9.0
      Status:          voter
      Node Type:       voter
      Node Status:     alive
      Healthy:         true
      Last Contact:    1ms
      Last Term:       3
      Last Index:      41
      Meta
         "bar": "baz"`;

describe('lattice operator autopilot state', () => {
  it('prints the pretty format exactly as Consul does', () => {
    assert.equal(formatAutopilotState(state), golden);
  });

  it('leaves out the Meta block when a server has none', () => {
    const bare = {
      ...state,
      Servers: { [n1]: { ...server(n1, 'node1', 'a:8300', 'leader', '0s', 1, {}), Meta: null } },
    };
    assert.doesNotMatch(formatAutopilotState(bare), /Meta/);
  });
});
