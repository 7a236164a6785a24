// Proves prepared-query failover against Consul's queryFailover rules with a fake datacenter router: NearestN
// closest first, then listed datacenters (or Targets) in order without repeats, unknown ones skipped, the first
// non-empty answer wins, a failing datacenter is reported and passed over, Failovers counts the datacenters asked;
// and with the real seam today (the local datacenter only) nothing is asked and Failovers is 0.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PreparedQueryExecuteReply } from '../state/prepared-query-execute.js';
import { normalizePreparedQuery } from '../state/prepared-query-normalize.js';
import type { ServiceEntry } from '../state/types.js';
import {
  failoverCandidates,
  localDatacenterOnly,
  type PreparedQueryDatacenters,
  queryFailover,
} from './prepared-query-failover.js';

const query = (failover: Record<string, unknown>) =>
  normalizePreparedQuery({ Name: 'q', Service: { Service: 'web', Failover: failover } });
const reply = (datacenter: string, nodes: number): PreparedQueryExecuteReply => ({
  Service: 'web',
  Nodes: Array.from({ length: nodes }, () => ({}) as ServiceEntry),
  DNS: { TTL: '' },
  Datacenter: datacenter,
  Failovers: 0,
});

describe('failoverCandidates', () => {
  const nearest = ['dc2', 'dc3', 'dc4'];
  const cases: [Record<string, unknown>, string[]][] = [
    [{}, []],
    [{ NearestN: 2 }, ['dc2', 'dc3']],
    [{ NearestN: 9 }, ['dc2', 'dc3', 'dc4']],
    [{ Datacenters: ['dc4', 'dc9', 'dc2'] }, ['dc4', 'dc2']],
    [{ NearestN: 1, Datacenters: ['dc2', 'dc4'] }, ['dc2', 'dc4']],
    [{ Targets: [{ Datacenter: 'dc3' }, { Peer: 'other-cluster' }, { Datacenter: 'dc8' }] }, ['dc3']],
  ];
  for (const [failover, expected] of cases)
    it(`${JSON.stringify(failover)} → ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(failoverCandidates(query(failover), nearest), expected));
});

describe('queryFailover', () => {
  it('stops at the first datacenter with instances, passing over failures, and counts the ones asked', async () => {
    const asked: string[] = [];
    const failed: string[] = [];
    const router: PreparedQueryDatacenters = {
      otherDatacentersByDistance: () => ['dc2', 'dc3', 'dc4'],
      executeRemote: async (datacenter) => {
        asked.push(datacenter);
        if (datacenter === 'dc2') throw new Error('unreachable');
        return reply(datacenter, datacenter === 'dc3' ? 0 : 2);
      },
    };
    const answer = await queryFailover(router, query({ NearestN: 3 }), 0, reply('dc1', 0), (dc) => failed.push(dc));
    assert.deepEqual(asked, ['dc2', 'dc3', 'dc4']);
    assert.deepEqual(failed, ['dc2']);
    assert.deepEqual([answer.Datacenter, answer.Nodes.length, answer.Failovers], ['dc4', 2, 3]);
  });

  it('asks nothing while only the local datacenter exists: the empty local answer, Failovers 0', async () => {
    const local = reply('dc1', 0);
    const answer = await queryFailover(
      localDatacenterOnly,
      query({ NearestN: 2, Datacenters: ['dc2'] }),
      0,
      local,
      () => assert.fail('nothing to fail over to'),
    );
    assert.deepEqual(answer, local);
  });
});
