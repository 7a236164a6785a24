// GET /v1/agent/host: the host the agent runs on (memory, CPUs, OS, root disk), as Consul's AgentHost serves it to
// `consul debug` for host.json. Consul asks for operator:read, the same as its debug endpoints.

import { collectHostInfo } from '../../debug/host-info.js';
import type { AclRequirement } from '../acl-hook.js';
import type { ConsulRoute } from '../consul-route.js';

export const operatorRead: AclRequirement = { resource: 'operator', access: 'read', name: () => '' };

export function agentHostRoute(): ConsulRoute {
  return {
    method: 'GET',
    url: '/host',
    acl: operatorRead,
    handler: async () => collectHostInfo(new Date()),
  };
}
