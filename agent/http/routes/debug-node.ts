// /debug/node/*: the agent's own profiles for `lattice debug`, the Node counterparts of Consul's /debug/pprof/*
// (Go pprof data would mean nothing for a V8 process, so the paths say what they serve):
//   GET /debug/node/profile?seconds=N  a V8 CPU profile (.cpuprofile JSON) recorded for N seconds (default 30)
//   GET /debug/node/heap               V8 heap statistics and process memory (heap-report.ts)
//   GET /debug/node/handles            active handles by kind and event-loop utilization and delay
// As in Consul (agent/http.go), they exist only when enable_debug is true or ACLs are enabled, and every request
// needs operator:read (which everyone has while ACLs are off).

import type { FastifyPluginAsync } from 'fastify';
import { CpuProfiler, parseProfileSeconds } from '../../debug/cpu-profiler.js';
import { EventLoopMonitor } from '../../debug/event-loop-report.js';
import { heapReport } from '../../debug/heap-report.js';
import { registerRoutes } from '../consul-route.js';
import { requestParams } from '../query-options.js';
import { operatorRead } from './agent-host.js';

export const debugNodeRoutes = (): FastifyPluginAsync => async (scope) => {
  const profiler = new CpuProfiler();
  const eventLoop = new EventLoopMonitor();
  eventLoop.start();
  scope.addHook('onClose', async () => eventLoop.stop());
  registerRoutes(scope, [
    {
      method: 'GET',
      url: '/profile',
      acl: operatorRead,
      handler: async (request, reply) => {
        const seconds = parseProfileSeconds(requestParams(request).get('seconds'));
        // The client hanging up (a cancelled `lattice debug`) ends the recording early and drops it.
        const gone = new AbortController();
        const onClose = (): void => {
          if (!reply.raw.writableFinished) gone.abort();
        };
        reply.raw.once('close', onClose);
        try {
          const profile = await profiler.record(seconds, { signal: gone.signal });
          return reply
            .type('application/json')
            .header('Content-Disposition', 'attachment; filename="profile.cpuprofile"')
            .send(JSON.stringify(profile));
        } finally {
          reply.raw.off('close', onClose);
        }
      },
    },
    { method: 'GET', url: '/heap', acl: operatorRead, handler: async () => heapReport(new Date()) },
    { method: 'GET', url: '/handles', acl: operatorRead, handler: async () => eventLoop.report(new Date()) },
  ]);
};
