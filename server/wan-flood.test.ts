// Proves the flood-join decision (Consul serf_flooder.go FloodJoins): exactly the alive LAN servers of this
// datacenter whose "<node>.<dc>" is not an alive WAN member are joined, at the host of their LAN address with the
// port of their wan_join_port tag; clients, servers of another datacenter, segment servers, non-alive LAN members
// and servers already in the WAN are skipped; a server without a usable wan_join_port is reported, not joined.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMember } from '../gossip/serf/members.js';
import { planFloodJoins } from './wan-flood.js';

function lanServer(
  name: string,
  host: string,
  extra: { dc?: string; wanJoinPort?: string | null; status?: SerfMember['status']; segment?: string } = {},
): SerfMember {
  const tags: Record<string, string> = { role: 'consul', dc: extra.dc ?? 'dc1', port: '8300', segment: '' };
  if (extra.segment !== undefined) tags['segment'] = extra.segment;
  if (extra.wanJoinPort !== null) tags['wan_join_port'] = extra.wanJoinPort ?? '8302';
  return { name, address: `${host}:8301`, tags, status: extra.status ?? 'alive', statusChangeMs: 0 };
}

function lanClient(name: string, host: string): SerfMember {
  return { name, address: `${host}:8301`, tags: { role: 'node', dc: 'dc1' }, status: 'alive', statusChangeMs: 0 };
}

function wanServer(name: string, dc: string, host: string, status: SerfMember['status'] = 'alive'): SerfMember {
  return { name, address: `${host}:8302`, tags: { role: 'consul', dc, port: '8300' }, status, statusChangeMs: 0 };
}

describe('flood-join plan', () => {
  it('joins exactly the LAN servers missing from the WAN pool, at their wan_join_port', () => {
    const lan = [
      lanServer('s1', '10.0.0.1'),
      lanServer('s2', '10.0.0.2', { wanJoinPort: '9302' }),
      lanServer('s3', '10.0.0.3'),
      lanClient('web', '10.0.0.9'),
    ];
    const wan = [wanServer('s1.dc1', 'dc1', '10.0.0.1'), wanServer('s9.dc2', 'dc2', '10.9.0.9')];
    assert.deepEqual(planFloodJoins(lan, wan, 'dc1'), {
      joins: [
        { node: 's2', wanName: 's2.dc1', address: '10.0.0.2:9302' },
        { node: 's3', wanName: 's3.dc1', address: '10.0.0.3:8302' },
      ],
      skipped: [],
    });
  });

  it('joins nothing when every server is an alive WAN member', () => {
    const lan = [lanServer('s1', '10.0.0.1'), lanServer('s2', '10.0.0.2'), lanClient('web', '10.0.0.9')];
    const wan = [wanServer('s1.dc1', 'dc1', '10.0.0.1'), wanServer('s2.dc1', 'dc1', '10.0.0.2')];
    assert.deepEqual(planFloodJoins(lan, wan, 'dc1'), { joins: [], skipped: [] });
  });

  it('joins again a server whose WAN member failed or left', () => {
    const lan = [lanServer('s1', '10.0.0.1'), lanServer('s2', '10.0.0.2')];
    const wan = [wanServer('s1.dc1', 'dc1', '10.0.0.1', 'failed'), wanServer('s2.dc1', 'dc1', '10.0.0.2', 'left')];
    assert.deepEqual(
      planFloodJoins(lan, wan, 'dc1').joins.map((join) => join.wanName),
      ['s1.dc1', 's2.dc1'],
    );
  });

  it('matches WAN names of this datacenter only: s1.dc2 does not stand for the LAN server s1', () => {
    const lan = [lanServer('s1', '10.0.0.1')];
    const wan = [wanServer('s1.dc2', 'dc2', '10.9.0.1')];
    assert.deepEqual(planFloodJoins(lan, wan, 'dc1').joins, [
      { node: 's1', wanName: 's1.dc1', address: '10.0.0.1:8302' },
    ]);
  });

  it('skips clients, other datacenters, segment servers and LAN members that are not alive', () => {
    const lan = [
      lanClient('web', '10.0.0.9'),
      lanServer('far', '10.0.0.4', { dc: 'dc2' }),
      lanServer('seg', '10.0.0.5', { segment: 'alpha' }),
      lanServer('gone', '10.0.0.6', { status: 'failed' }),
      lanServer('going', '10.0.0.7', { status: 'leaving' }),
      { ...lanServer('odd', '10.0.0.8'), tags: { role: 'consul', dc: 'dc1', wan_join_port: '8302' } }, // no port tag
    ];
    assert.deepEqual(planFloodJoins(lan, [], 'dc1'), { joins: [], skipped: [] });
  });

  it('reports a missing server without a usable wan_join_port in Consul words instead of joining it', () => {
    const lan = [
      lanServer('nowan', '10.0.0.1', { wanJoinPort: null }),
      lanServer('zero', '10.0.0.2', { wanJoinPort: '0' }),
      lanServer('junk', '10.0.0.3', { wanJoinPort: '83o2' }),
      lanServer('big', '10.0.0.4', { wanJoinPort: '70000' }),
    ];
    const plan = planFloodJoins(lan, [], 'dc1');
    assert.deepEqual(plan.joins, []);
    assert.deepEqual(plan.skipped, [
      { node: 'nowan', reason: 'no wan join port for server: 10.0.0.1:8300' },
      { node: 'zero', reason: 'no wan join port for server: 10.0.0.2:8300' },
      { node: 'junk', reason: 'no wan join port for server: 10.0.0.3:8300' },
      { node: 'big', reason: 'no wan join port for server: 10.0.0.4:8300' },
    ]);
  });

  it('keeps IPv6 hosts bracketed in the join address', () => {
    const lan = [{ ...lanServer('s6', '::1'), address: '[::1]:8301' }];
    assert.deepEqual(planFloodJoins(lan, [], 'dc1').joins, [{ node: 's6', wanName: 's6.dc1', address: '[::1]:8302' }]);
  });
});
