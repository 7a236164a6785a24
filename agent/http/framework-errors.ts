// Errors fastify and Node raise before any route runs, answered in Consul's style: plain text, never fastify's
// JSON bodies (`{"code":"FST_ERR_BAD_URL",...}`), which Consul clients print raw. A URL whose path does not
// percent-decode to UTF-8 (`/v1/kv/%FF%FE`, `%ZZ`) is refused with a 400 that names the problem: Go's Consul
// keeps such bytes in keys, but Lattice's keys and names are UTF-8 strings and a silently changed key is worse
// than a refusal. Header and request-line failures come back as Go's net/http writes them.

import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Path parameters (service and check IDs) are not capped short: Consul takes any length a request line holds. */
export const pathParamLengthMax = 16 * 1024;

export function badUrlText(path: string): string {
  return `Invalid URL path ${JSON.stringify(path)}: its percent-encoding does not decode to UTF-8 text`;
}

/** fastify's frameworkErrors option: a bad URL escape or an over-long path parameter. */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.raw.url?.split('?', 1)[0] ?? '';
  const text =
    error.code === 'FST_ERR_BAD_URL' ? badUrlText(path) : `Invalid URL path ${JSON.stringify(path)}: ${error.message}`;
  void reply.code(400).type('text/plain; charset=utf-8').send(text);
}

/** Go's net/http answer to a request it cannot parse: `<code> <reason>` as plain text, then close. */
export function goClientErrorResponse(code: number): string {
  const reason = http.STATUS_CODES[code] ?? 'Bad Request';
  const body = `${code} ${reason}`;
  return (
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/** fastify's clientErrorHandler option (Node's 'clientError' event): oversized headers, malformed requests. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  if (socket.writable) socket.write(goClientErrorResponse(code));
  socket.destroy(error);
}
