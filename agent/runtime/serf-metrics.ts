// Serf's member event counters (consul.serf.member.{join,failed,left,update}) with Consul's `network` label: one
// metric per event for both pools, the LAN pool counting under network="lan" and a server's WAN pool under
// network="wan" (Consul agent/consul addSerfMetricsLabels), as Prometheus wants one registration per name.

import { Counter, type Registry } from 'prom-client';
import type { SerfMember } from '../../gossip/serf/members.js';
import type { Emitter } from '../../lib/emitter.js';

export type SerfNetwork = 'lan' | 'wan';

type MemberEvents = {
  'member-join': SerfMember;
  'member-failed': SerfMember;
  'member-leave': SerfMember;
  'member-update': SerfMember;
};

const memberEventCounters = [
  ['member-join', 'consul_serf_member_join', 'Members that joined'],
  ['member-failed', 'consul_serf_member_failed', 'Members found failed'],
  ['member-leave', 'consul_serf_member_left', 'Members that left'],
  ['member-update', 'consul_serf_member_update', 'Member tag updates'],
] as const;

/** Counts a pool's member events in the registry's shared counters, under network=`network` (shown from 0). */
export function countSerfMemberEvents(registry: Registry, events: Emitter<MemberEvents>, network: SerfNetwork): void {
  for (const [event, name, help] of memberEventCounters) {
    const counter =
      (registry.getSingleMetric(name) as Counter<'network'> | undefined) ??
      new Counter({ name, help: `${help} (serf events)`, labelNames: ['network'], registers: [registry] });
    counter.inc({ network }, 0);
    events.on(event, () => counter.inc({ network }));
  }
}
