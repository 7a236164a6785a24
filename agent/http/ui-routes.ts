// The web UI over HTTP (Consul's uiserver): `/` redirects to the content path, the content path serves the
// built single-page app (index.html for client routes, hashed assets cached for a year), and an agent whose UI
// is on but not built answers with how to build it instead of failing. With the UI off, `/` says so, as Consul.

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../../lib/log.js';
import { formatHostPort } from './server.js';
import {
  contentTypeOf,
  defaultUiDir,
  normalizeContentPath,
  notBuiltMessage,
  readIndexHtml,
  readUiFile,
  uiTargetFor,
  withBasePath,
} from './ui-files.js';

export interface UiRouteConfig {
  readonly uiEnabled: boolean;
  readonly uiDir: string | null;
  readonly uiContentPath: string;
}

/** Consul's text for `/` when the UI is off (agent/http.go). */
export const uiDisabledText =
  'Consul Agent: UI disabled. To enable, set ui_config.enabled=true in the agent configuration and restart.';

/** Vite names assets by content hash, so a changed file gets a new URL and old ones may be cached for good. */
const immutableCache = 'public, max-age=31536000, immutable';

async function sendApp(reply: FastifyReply, dir: string, contentPath: string): Promise<FastifyReply> {
  const index = await readIndexHtml(dir);
  if (index === null)
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(notBuiltMessage(dir));
  return reply
    .type('text/html; charset=utf-8')
    .header('Cache-Control', 'no-cache')
    .send(withBasePath(index, contentPath));
}

export async function installUiRoutes(app: FastifyInstance, config: UiRouteConfig, log: Logger): Promise<void> {
  if (!config.uiEnabled) {
    app.get('/', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(uiDisabledText));
    return;
  }
  const dir = config.uiDir ?? defaultUiDir;
  const contentPath = normalizeContentPath(config.uiContentPath);
  // Consul redirects with 301; the content path only changes with a restart.
  if (contentPath !== '/') {
    app.get('/', async (_request, reply) => reply.redirect(contentPath, 301));
    app.get(contentPath.slice(0, -1), async (_request, reply) => reply.redirect(contentPath, 301));
  }
  app.get(`${contentPath}*`, async (request, reply) => {
    const path = (request.raw.url ?? '').split('?')[0] ?? '';
    // A content path of `/` must not turn unknown API paths into the app.
    if (path.startsWith('/v1/')) return reply.callNotFound();
    const relative = path.slice(contentPath.length);
    const target = uiTargetFor(dir, relative);
    if (target.kind === 'app') return sendApp(reply, dir, contentPath);
    const bytes = target.kind === 'file' ? await readUiFile(target.path) : null;
    if (target.kind !== 'file' || bytes === null)
      return reply.code(404).type('text/plain; charset=utf-8').send(`${path} not found`);
    if (relative.startsWith('assets/')) void reply.header('Cache-Control', immutableCache);
    return reply.type(contentTypeOf(target.path)).send(bytes);
  });
  // The URL a person opens, logged once each listener is up (so `npm start` prints where the UI is).
  app.addHook('onListen', async function logUiUrl() {
    const address = app.server.address();
    if (typeof address !== 'object' || address === null) return;
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    const url = `http://${formatHostPort(host, address.port)}${contentPath}`;
    const built = (await readIndexHtml(dir)) !== null;
    if (built) log.info({ url }, 'Web UI available');
    else log.warn({ url, dir }, 'Web UI enabled but not built: run `npm run build`');
  });
}
