// Proves the serf member counters are one metric per event shared by both pools (Consul's network label), so an
// agent that runs LAN and WAN pools registers each name once and reports both networks under it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { SerfMember } from '../../gossip/serf/members.js';
import { TypedEmitter } from '../../lib/emitter.js';
import { countSerfMemberEvents } from './serf-metrics.js';

type Events = Record<'member-join' | 'member-failed' | 'member-leave' | 'member-update', SerfMember>;
const member: SerfMember = { name: 'n1', address: '10.0.0.1:8301', tags: {}, status: 'alive', statusChangeMs: 0 };

describe('serf member event counters', () => {
  it('counts each pool under its network label in one shared metric per event', async () => {
    const registry = new Registry();
    const lan = new TypedEmitter<Events>();
    const wan = new TypedEmitter<Events>();
    countSerfMemberEvents(registry, lan, 'lan');
    countSerfMemberEvents(registry, wan, 'wan');
    lan.emit('member-join', member);
    lan.emit('member-join', member);
    wan.emit('member-join', member);
    lan.emit('member-failed', member);
    wan.emit('member-leave', member);

    const text = await registry.metrics();
    assert.equal(text.match(/^# TYPE consul_serf_member_join counter$/gm)?.length, 1, 'one registration');
    for (const line of [
      'consul_serf_member_join{network="lan"} 2',
      'consul_serf_member_join{network="wan"} 1',
      'consul_serf_member_failed{network="lan"} 1',
      'consul_serf_member_failed{network="wan"} 0',
      'consul_serf_member_left{network="lan"} 0',
      'consul_serf_member_left{network="wan"} 1',
      'consul_serf_member_update{network="lan"} 0',
      'consul_serf_member_update{network="wan"} 0',
    ])
      assert.ok(text.split('\n').includes(line), `${line} in\n${text}`);
  });
});
