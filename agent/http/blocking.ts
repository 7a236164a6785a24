// Blocking reads at the HTTP edge: the server does the waiting (QueryOptions.minQueryIndex / maxQueryTimeMs, capped
// with jitter as Consul's blockingquery does); the edge only has to stop waiting when the client goes away, so a
// thousand abandoned watchers do not hold a thousand server watches until their wait ends.

import type { FastifyReply } from 'fastify';

/**
 * A signal that aborts when the client's connection closes before the response is written. The response's
 * `close` event (not the request's, which fires once the body is read) is the one that means "client gone".
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  const onClose = (): void => {
    if (!response.writableFinished) controller.abort(new Error('the HTTP client closed the connection'));
  };
  response.once('close', onClose);
  return controller.signal;
}
