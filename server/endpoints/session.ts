// The Session endpoint (Consul session_endpoint.go): create picks a fresh UUID on the leader (the log must be
// deterministic), validates behavior and TTL with Consul's texts, applies through Raft and arms the TTL timer;
// destroy applies and clears it; renew resets the timer and answers the session (null when gone); reads block
// on the sessions table (Get and NodeSessions on their own rows).

import { randomUUID } from 'node:crypto';
import { sessionCommand } from '../fsm/commands.js';
import type { SessionTimerControl } from '../leader/session-ttl.js';
import { InvalidWriteError, StateStoreError } from '../state/errors.js';
import { normalizeSession } from '../state/kv-apply.js';
import { nodeSessions, sessionGet, sessionList } from '../state/kv-reads.js';
import { sessionsSchema } from '../state/tables/kv.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead, stringArg } from './read.js';
import { refusalOf } from './write.js';

type SessionHandlers = Pick<
  HandlerTable,
  'Session.Apply' | 'Session.Get' | 'Session.List' | 'Session.NodeSessions' | 'Session.Renew'
>;

const noTimers: SessionTimerControl = { reset: () => undefined, clear: () => undefined };

function validated<T>(validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof InvalidWriteError || error instanceof StateStoreError) throw refusalOf(error);
    throw error;
  }
}

export function sessionEndpoints(context: EndpointContext, timers: SessionTimerControl = noTimers): SessionHandlers {
  const sessions = () => context.store.table(sessionsSchema);
  return {
    'Session.Apply': async (args, call) => {
      const op = (args as { Op?: unknown } | null)?.Op;
      const body = (args as { Session?: unknown } | null)?.Session;
      if (op === 'destroy') {
        const id = stringArg(body, 'ID', { required: false });
        if (id === '') throw refusalOf(new InvalidWriteError('Must provide ID'));
        await context.apply(sessionCommand({ Op: 'destroy', Session: { ID: id } }), call.signal);
        timers.clear(id);
        return id;
      }
      if (op !== 'create') throw refusalOf(new InvalidWriteError(`Invalid session operation ${JSON.stringify(op)}`));
      let id = randomUUID();
      while (sessions().get(id) !== undefined) id = randomUUID();
      const session = validated(() => normalizeSession({ ...(body as object), ID: id }));
      await context.apply(sessionCommand({ Op: 'create', Session: session }), call.signal);
      timers.reset(session);
      return id;
    },
    'Session.Renew': async (args) => {
      const id = stringArg(args, 'SessionID', { required: true });
      const session = sessions().get(id);
      if (session === undefined) return null;
      timers.reset(session);
      return [session];
    },
    'Session.Get': (args, call) => {
      const id = stringArg(args, 'SessionID', { required: true });
      return runRead(
        context,
        call,
        () => {
          const result = sessionGet(context.store, id);
          return { ...result, value: result.value === null ? [] : [result.value] };
        },
        { filterable: false },
      );
    },
    'Session.List': (_args, call) => runRead(context, call, () => sessionList(context.store), { filterable: false }),
    'Session.NodeSessions': (args, call) => {
      const node = stringArg(args, 'Node', { required: true });
      return runRead(context, call, () => nodeSessions(context.store, node), { filterable: false });
    },
  };
}
