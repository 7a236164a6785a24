// Where `lattice debug` reads from: the agent's HTTP API, one method per capture. The capture runner depends on
// this interface alone, so its tests can hand it a fake agent.

import type { RaftConfigurationReply } from '../../server/rpc/methods.js';
import { agentUrl, type HttpClientOptions } from '../http-options.js';
import { agentJson } from './catalog-http.js';
import { longAgentRequest, readBody } from './long-agent-request.js';

export interface DebugSource {
  self(): Promise<Record<string, unknown>>;
  host(): Promise<unknown>;
  members(): Promise<unknown>;
  metrics(): Promise<unknown>;
  raftConfiguration(): Promise<RaftConfigurationReply>;
  heap(): Promise<unknown>;
  handles(): Promise<unknown>;
  /** The agent's CPU profile over `seconds`, as the JSON text it sent. */
  cpuProfile(seconds: number, options: { readonly signal: AbortSignal }): Promise<string>;
  /** The agent's log at TRACE from now until `signal` fires. */
  logs(options: { readonly signal: AbortSignal }): Promise<AsyncIterable<Uint8Array>>;
}

export function httpDebugSource(target: HttpClientOptions): DebugSource {
  const getJson = <T>(what: string, path: string, query: [string, string][] = []): Promise<T> =>
    agentJson<T>(target, what, { path, query });
  return {
    // Named as Go's url.Error reads ('Get "<url>": <cause>'), which consul debug quotes in its refusal.
    self: () => getJson(`Get "${agentUrl(target, '/v1/agent/self').href}"`, '/v1/agent/self'),
    host: () => getJson('querying agent host', '/v1/agent/host'),
    members: () => getJson('querying agent members', '/v1/agent/members'),
    metrics: () => getJson('querying agent metrics', '/v1/agent/metrics'),
    raftConfiguration: () => getJson('retrieving raft configuration', '/v1/operator/raft/configuration'),
    heap: () => getJson('collecting heap statistics', '/debug/node/heap'),
    handles: () => getJson('collecting active handles', '/debug/node/handles'),
    cpuProfile: async (seconds, options) => {
      const response = await longAgentRequest(target, `Get "${agentUrl(target, '/debug/node/profile').href}"`, {
        path: '/debug/node/profile',
        query: [['seconds', String(seconds)]],
        signal: options.signal,
      });
      return readBody(response);
    },
    logs: (options) =>
      longAgentRequest(target, `Get "${agentUrl(target, '/v1/agent/monitor').href}"`, {
        path: '/v1/agent/monitor',
        query: [['loglevel', 'trace']],
        signal: options.signal,
      }),
  };
}
