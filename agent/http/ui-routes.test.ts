// Proves the web UI's HTTP side through fastify's inject on a folder the test builds: the root redirect, index.html
// with the content path written into its base tag for client routes, assets with their content types and a
// year of caching, 404 for missing assets and for paths that climb out of the folder, a clear 503 when the UI is
// on but not built, and Consul's text at `/` when the UI is off; then the same through the agent's whole API, with
// ui_config.dir and content_path from the config; and the URL (or the missing build) logged once listening.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger, silentLogger } from '../../lib/log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { allowAllAuthorizer } from '../acl/authorizer.js';
import { testEnvironment } from '../config/testing.js';
import { validateConfig } from '../config/validate.js';
import { buildHttpApi } from './api.js';
import { normalizeContentPath, uiTargetFor } from './ui-files.js';
import { installUiRoutes, type UiRouteConfig, uiDisabledText } from './ui-routes.js';

const indexHtml = '<!doctype html><html><head><base href="/ui/" /></head><body><div id="app"></div></body></html>';
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lattice-ui-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), indexHtml);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  await writeFile(join(dir, 'assets', 'index-abc123.css'), 'body{}');
  await writeFile(join(dir, 'favicon.svg'), '<svg/>');
  await writeFile(join(tmpdir(), 'lattice-ui-secret.txt'), 'secret');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(join(tmpdir(), 'lattice-ui-secret.txt'), { force: true });
});

async function uiApp(config: Partial<UiRouteConfig> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await installUiRoutes(app, { uiEnabled: true, uiDir: dir, uiContentPath: '/ui/', ...config }, silentLogger());
  return app;
}

describe('the web UI routes', () => {
  it('redirect / and the bare content path to the content path', async () => {
    const app = await uiApp();
    for (const url of ['/', '/ui']) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 301, url);
      assert.equal(response.headers.location, '/ui/');
    }
  });

  it('serve index.html for the app and its client routes, KV keys with dots included', async () => {
    const app = await uiApp();
    for (const url of ['/ui/', '/ui/dc1/services', '/ui/dc1/kv/config/app.json/edit', '/ui/dc1/services?q=web']) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.equal(response.body, indexHtml);
    }
  });

  it('write a custom content path into the base tag', async () => {
    const app = await uiApp({ uiContentPath: '/consul-ui' });
    const response = await app.inject({ method: 'GET', url: '/consul-ui/dc1/nodes' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<base href="\/consul-ui\/" \/>/);
    assert.equal((await app.inject({ method: 'GET', url: '/' })).headers.location, '/consul-ui/');
  });

  it('serve assets with their content types; hashed ones are cached for a year', async () => {
    const app = await uiApp();
    const script = await app.inject({ method: 'GET', url: '/ui/assets/index-abc123.js' });
    assert.equal(script.statusCode, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(script.body, 'console.log("app")');
    const style = await app.inject({ method: 'GET', url: '/ui/assets/index-abc123.css' });
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    const icon = await app.inject({ method: 'GET', url: '/ui/favicon.svg' });
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], undefined);
    const head = await app.inject({ method: 'HEAD', url: '/ui/assets/index-abc123.js' });
    assert.equal(head.statusCode, 200);
  });

  it('answer 404 for missing assets and for paths that leave the folder', async () => {
    const app = await uiApp();
    for (const url of [
      '/ui/assets/missing.js',
      '/ui/missing.png',
      '/ui/assets/..%2f..%2flattice-ui-secret.txt',
      '/ui/assets/%2e%2e/%2e%2e/lattice-ui-secret.txt',
      '/ui/assets/..%5c..%5clattice-ui-secret.txt',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.notEqual(response.body, 'secret', url);
    }
  });

  it('say how to build the UI when it is on but not built', async () => {
    const app = await uiApp({ uiDir: join(dir, 'nothing-here') });
    const response = await app.inject({ method: 'GET', url: '/ui/dc1/services' });
    assert.equal(response.statusCode, 503);
    assert.match(response.body, /web UI is enabled but not built.*npm run build/);
  });

  it("answer / with Consul's text when the UI is off, and leave the content path alone", async () => {
    const app = await uiApp({ uiEnabled: false });
    const root = await app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 200);
    assert.equal(root.body, uiDisabledText);
    assert.equal((await app.inject({ method: 'GET', url: '/ui/' })).statusCode, 404);
  });
});

describe('the UI URL in the log', () => {
  /** Starts the routes on 127.0.0.111 (a free port) and returns the first line they log once listening. */
  async function loggedOnListen(uiDir: string): Promise<{ line: Record<string, unknown>; port: number }> {
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
    const app = Fastify();
    await installUiRoutes(
      app,
      { uiEnabled: true, uiDir, uiContentPath: '/ui/' },
      createLogger({ json: true, destination }),
    );
    await app.listen({ host: '127.0.0.111', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    // The hook runs once the socket listens, after listen() has returned.
    await waitForCondition(() => lines.length > 0, 'a log line from the UI routes');
    await app.close();
    return { line: JSON.parse(lines[0]!) as Record<string, unknown>, port };
  }

  it('says where the UI is once the listener is up', async () => {
    const { line, port } = await loggedOnListen(dir);
    assert.equal(line['msg'], 'Web UI available');
    assert.equal(line['url'], `http://127.0.0.111:${port}/ui/`);
  });

  it('warns, with the fix, when the UI is on but not built', async () => {
    const { line } = await loggedOnListen(join(dir, 'nothing-here'));
    assert.equal(line['msg'], 'Web UI enabled but not built: run `npm run build`');
    assert.equal(line['level'], 40, 'a warning');
  });
});

describe('uiTargetFor', () => {
  it('treats assets and top-level files as files and the rest as the app', () => {
    assert.deepEqual(uiTargetFor('/srv/ui', 'assets/a.js'), { kind: 'file', path: '/srv/ui/assets/a.js' });
    assert.deepEqual(uiTargetFor('/srv/ui', 'favicon.svg'), { kind: 'file', path: '/srv/ui/favicon.svg' });
    assert.deepEqual(uiTargetFor('/srv/ui', ''), { kind: 'app' });
    assert.deepEqual(uiTargetFor('/srv/ui', 'dc1/kv/a.b/edit'), { kind: 'app' });
    assert.deepEqual(uiTargetFor('/srv/ui', 'assets/../../etc/passwd'), { kind: 'missing' });
  });

  it('normalizes content paths to a leading and trailing slash', () => {
    assert.equal(normalizeContentPath('ui'), '/ui/');
    assert.equal(normalizeContentPath('/ui'), '/ui/');
    assert.equal(normalizeContentPath('/a/b/'), '/a/b/');
    assert.equal(normalizeContentPath('/'), '/');
  });
});

describe('the agent HTTP API', () => {
  it('serves the UI from ui_config.dir at ui_config.content_path beside the unchanged /v1 routes', async () => {
    const values = { ui_config: { enabled: true, dir, content_path: '/console' } };
    const result = validateConfig([{ sourceName: 'test', values }], { devMode: true, environment: testEnvironment });
    assert.deepEqual(result.errors, []);
    const app = await buildHttpApi({
      config: result.config!,
      build: { version: '0.1.0', consulVersion: '1.20.0', revision: 'abc', buildDate: '2026-01-01T00:00:00Z' },
      runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
      authorizer: allowAllAuthorizer,
      log: silentLogger(),
    });
    assert.equal((await app.inject({ method: 'GET', url: '/' })).headers.location, '/console/');
    const page = await app.inject({ method: 'GET', url: '/console/dc1/intentions' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<base href="\/console\/" \/>/);
    assert.equal((await app.inject({ method: 'GET', url: '/ui/' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/nothing-here' })).statusCode, 404);
    await app.close();
  });
});
