// The part of the agent's LAN gossip pool the server side reads: the members with their tags, and membership
// events. `GossipDriver` satisfies it as it is; tests pass a small fake.

import type { SerfMember } from '../gossip/serf/members.js';
import type { Emitter } from '../lib/emitter.js';

export type LanPoolEvents = {
  'member-join': SerfMember;
  'member-leave': SerfMember;
  'member-failed': SerfMember;
  'member-update': SerfMember;
  'member-reap': SerfMember;
};

export interface LanPool {
  members(): readonly SerfMember[];
  readonly events: Emitter<LanPoolEvents>;
}
