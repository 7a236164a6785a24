// GET /v1/agent/monitor: streams the agent's log lines as they are written, down to `?loglevel=` (default info), even
// below the agent's own log_level, as Consul's monitor does ("This log level can be more verbose than what the agent
// is configured to run at"): the fan-out lowers the logger's level while the stream lasts. A client that reads too
// slowly loses lines, and is told how many, instead of the agent buffering for it. `?logjson` streams each line as
// Consul's hclog JSON (agent/runtime/log-line-json.ts).

import { LatticeError, NotImplementedError } from '../../../lib/errors.js';
import type { AgentHandle } from '../../runtime/handle.js';
import { lineAtLevel } from '../../runtime/log-fanout.js';
import { logRecordAsJson } from '../../runtime/log-line-json.js';
import type { AclRequirement } from '../acl-hook.js';
import type { ConsulRoute } from '../consul-route.js';
import { BadRequestError } from '../errors.js';
import { requestParams } from '../query-options.js';

const levels = new Set(['trace', 'debug', 'info', 'warn', 'warning', 'err', 'error']);

class TooManyMonitorsError extends LatticeError {
  override readonly name = 'TooManyMonitorsError';
  constructor() {
    super('ERR_TOO_MANY_REQUESTS', 'Too many monitor requests are already streaming logs from this agent');
  }
}

export function agentMonitorRoute(agent: AgentHandle, acl: AclRequirement): ConsulRoute {
  return {
    method: 'GET',
    url: '/monitor',
    acl,
    handler: async (request, reply) => {
      const source = agent.logs();
      if (source === null) throw new NotImplementedError('log streaming on an agent without a log fan-out');
      const level = (requestParams(request).get('loglevel') ?? 'info').toLowerCase();
      if (!levels.has(level)) throw new BadRequestError(`Unknown log level: ${level}`);
      const wanted = level === 'warning' ? 'warn' : level === 'err' ? 'error' : level;
      // Consul's ?logjson: each line as hclog JSON ({"@level","@message","@module","@timestamp"}).
      const json = requestParams(request).has('logjson');
      const raw = reply.raw;
      let blocked = false;
      let dropped = 0;
      const unsubscribe = source.subscribe((line) => {
        if (!lineAtLevel(line, wanted)) return;
        if (blocked) {
          dropped++;
          return;
        }
        if (raw.write(json ? logRecordAsJson(line) : line)) return;
        blocked = true;
        raw.once('drain', () => {
          blocked = false;
          if (dropped > 0) raw.write(`[WARN] Monitor dropped ${dropped} logs during monitor request\n`);
          dropped = 0;
        });
      }, wanted);
      if (unsubscribe === null) throw new TooManyMonitorsError();
      reply.hijack();
      raw.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      raw.flushHeaders();
      raw.once('close', unsubscribe);
    },
  };
}
