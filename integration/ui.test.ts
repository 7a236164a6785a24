// Proves the web UI in a real browser (Debian's Chromium through playwright-core) against `lattice agent -dev` on
// 127.0.0.110, which serves the built UI at /ui and hosts two services with sidecars (web, whose sidecar binds
// the upstream `api` on 127.0.0.110:19191, and api): every page renders, a service registered through the API
// appears without a reload, a deny intention created in the UI refuses proxied requests and deleting it in the
// UI lets them pass, a KV key created in the UI reads back with `lattice kv get`, and a lost agent is explained,
// not a blank page. Each page's screenshot lands in screenshots/ (gitignored).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page, Route } from 'playwright-core';
import { type LatticeProcess, repositoryRoot, runLattice, startLattice, waitFor } from './helpers/lattice-process.js';
import { getOnNewConnection, MeshApps } from './helpers/mesh-apps.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { openUiBrowser, screenshot, type UiBrowser } from './ui-browser.js';

const address = '127.0.0.110';
const base = `http://${address}:8500`;
const ui = `${base}/ui`;
const upstreamPort = 19191;
const apps = new MeshApps(address);
/** Long enough for a loaded CI machine; each wait ends as soon as its condition holds. */
const deadlineMs = 15_000;
let agent: LatticeProcess | null = null;
let dir: TempDir | null = null;
let browser: UiBrowser | null = null;
const pageErrors: string[] = [];

/** One GET through web's upstream listener on a new connection: the body, or null when the connection failed. */
const throughUpstream = () => getOnNewConnection(address, upstreamPort);

function serviceFile(name: string, port: number, upstreams: string): string {
  return `service {
  name = "${name}"
  id   = "${name}"
  address = "${address}"
  port = ${port}
  tags = ["${name === 'web' ? 'frontend' : 'backend'}", "v1"]
  check {
    name = "${name} alive"
    tcp = "${address}:${port}"
    interval = "1s"
  }
  connect {
    sidecar_service {
      address = "${address}"
      proxy {
        local_service_address = "${address}"
        ${upstreams}
      }
    }
  }
}
`;
}

async function newPage(): Promise<Page> {
  const page = await browser!.newPage();
  page.setDefaultTimeout(deadlineMs);
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

async function put(path: string, body: unknown): Promise<Response> {
  const response = await fetch(`${base}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.clone().text());
  return response;
}

describe('the web UI in a browser against a -dev agent', () => {
  before(async () => {
    assert.ok(
      existsSync(join(repositoryRoot, 'ui', 'dist', 'index.html')),
      'the UI is not built: run `npm run build` (it builds ui/ into ui/dist)',
    );
    const webPort = await apps.start('web');
    const apiPort = await apps.start('api');
    dir = await makeTempDir({
      'web.hcl': serviceFile(
        'web',
        webPort,
        `upstreams = [{ destination_name = "api", local_bind_address = "${address}", local_bind_port = ${upstreamPort} }]`,
      ),
      'api.hcl': serviceFile('api', apiPort, ''),
    });
    agent = startLattice([
      'agent',
      '-dev',
      `-bind=${address}`,
      `-client=${address}`,
      `-config-file=${dir.file('web.hcl')}`,
      `-config-file=${dir.file('api.hcl')}`,
    ]);
    await waitFor(
      async () => {
        if (agent?.hasExited) throw new Error(`lattice exited\n${agent.output}`);
        const response = await fetch(`${base}/v1/catalog/services`).catch(() => null);
        const services = response?.ok ? ((await response.json()) as Record<string, unknown>) : {};
        return services['web'] !== undefined && services['api'] !== undefined;
      },
      { what: 'a -dev agent with web and api in its catalog', deadlineMs: 30_000 },
    );
    browser = await openUiBrowser();
  });

  after(async () => {
    await browser?.close();
    if (agent && !agent.hasExited) await agent.stop().catch(() => agent?.kill());
    await apps.close();
    await dir?.remove();
  });

  it('logs the UI URL at startup and redirects / to it', async () => {
    await agent!.waitForOutput(/Web UI available/);
    assert.match(agent!.output, new RegExp(`http://${address.replace(/\./g, '\\.')}:8500/ui/`));
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(root.status, 301);
    assert.equal(root.headers.get('location'), '/ui/');
  });

  it('opens on the services page with each service, its health and tags', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await page.waitForURL(`${ui}/dc1/services`);
    const web = page.locator('tr[data-service="web"]');
    await web.waitFor();
    await page.locator('tr[data-service="api"]').waitFor();
    // The TCP checks pass once the agent has run them (interval 1s).
    await page.locator('tr[data-service="web"] .count-passing').waitFor();
    const text = (await web.textContent()) ?? '';
    assert.match(text, /in service mesh/);
    assert.match(text, /frontend/);
    assert.match(text, /1 instance/);
    await page.locator('.statusbar', { hasText: 'Leader' }).waitFor();
    assert.equal(await page.title(), 'Services · dc1 · Lattice');
    await screenshot(page, 'services');
    await page.close();
  });

  it('shows a service registered through the API without a reload, and filters by search and health', async (t) => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/services`);
    await page.locator('tr[data-service="web"]').waitFor();
    // A sidecar's checks count for its service (Consul's summaries): its listener check is critical until the
    // proxy listens, so wait for every row to pass before judging the sort by worst health.
    await page.locator('tbody .pill-critical, tbody .pill-warning').first().waitFor({ state: 'detached' });
    const registeredAt = performance.now();
    await put('/v1/agent/service/register', {
      Name: 'billing',
      Port: 9100,
      Address: address,
      Tags: ['payments', 'v2'],
      Check: { CheckID: 'billing-ttl', Name: 'billing heartbeat', TTL: '10m', Status: 'warning' },
    });
    const billing = page.locator('tr[data-service="billing"]');
    await billing.waitFor();
    // A figure for the report, not a timed assertion (timing goals live in bench/).
    t.diagnostic(`billing shown ${Math.round(performance.now() - registeredAt)} ms after its registration`);
    // The agent syncs the service and its check in two writes: the row turns warning when the check arrives.
    await billing.locator('.count-warning').waitFor();
    await screenshot(page, 'services-live-update');
    await page.getByLabel('Sort services').selectOption('health');
    assert.equal(await page.locator('tbody tr').first().getAttribute('data-service'), 'billing', 'the worst first');
    // Picking a tag searches for it.
    await billing.getByRole('button', { name: 'payments' }).click();
    await page.locator('tr[data-service="web"]').waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Search services').inputValue(), 'payments');
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByLabel('Search services').fill('');
    await page.getByLabel('Filter by health').selectOption('warning');
    await page.locator('tr[data-service="api"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.close();
  });

  it('shows a service with its instances, checks and topology', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/services/web`);
    await page.locator('[data-instance="web"]').waitFor();
    await page.locator('[data-instance="web"] .check-name', { hasText: 'web alive' }).waitFor();
    await page.locator('[data-instance="web"]', { hasText: 'web-sidecar-proxy' }).waitFor();
    await screenshot(page, 'service-instances');
    await page.getByRole('tab', { name: 'Topology' }).click();
    const graph = page.getByRole('img', { name: 'Topology of web' });
    await graph.waitFor();
    await graph.locator('.topo-node', { hasText: 'api' }).waitFor();
    await graph.locator('.topo-allowed').first().waitFor();
    await screenshot(page, 'service-topology');
    // From api's side, web is a downstream. Leaving web's page aborts its blocking query (held open by the agent
    // until something changes) instead of leaving it parked.
    const aborted = page.waitForEvent('requestfailed', {
      predicate: (request) => request.url().includes('/v1/health/service/web?') && request.url().includes('index='),
    });
    await graph.locator('.topo-node', { hasText: 'api' }).click();
    await page.waitForURL(`${ui}/dc1/services/api`);
    assert.match((await aborted).failure()?.errorText ?? '', /ABORTED/);
    await page.getByRole('tab', { name: 'Topology' }).click();
    await page.getByRole('img', { name: 'Topology of api' }).locator('.topo-node', { hasText: 'web' }).waitFor();
    await page.close();
  });

  it('lists nodes and shows a node with its checks and service instances', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/nodes`);
    const row = page.locator('tbody tr').first();
    await row.waitFor();
    await page.locator('.badge-leader').waitFor();
    await screenshot(page, 'nodes');
    await row.locator('a').click();
    await page.locator('.instance', { hasText: 'web-sidecar-proxy' }).waitFor();
    await screenshot(page, 'node');
    await page.close();
  });

  it('creates a deny intention that refuses proxied requests, explains it, and deleting it lets them pass', async () => {
    await waitFor(async () => (await throughUpstream()) === 'hello from api', {
      what: `api through web's upstream\n${agent?.output ?? ''}`,
      deadlineMs: 45_000,
    });
    const page = await newPage();
    await page.goto(`${ui}/dc1/intentions`);
    await page.getByRole('button', { name: 'Create intention' }).click();
    const form = page.getByRole('form', { name: 'New intention' });
    await form.locator('input[name="source"]').fill('web');
    await form.locator('input[name="destination"]').fill('api');
    await form.locator('input[name="action"][value="deny"]').check();
    await form.locator('input[name="description"]').fill('web may not call api');
    await screenshot(page, 'intention-form');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tr[data-intention="web->api"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /deny/i);

    const exact = await fetch(`${base}/v1/connect/intentions/exact?source=web&destination=api`);
    assert.equal(exact.status, 200);
    const intention = (await exact.json()) as { Action: string; Description: string };
    assert.equal(intention.Action, 'deny');
    assert.equal(intention.Description, 'web may not call api');
    await waitFor(async () => (await throughUpstream()) === null, { what: 'the deny to refuse connections' });

    const checker = page.getByRole('form', { name: 'Check an intention' });
    await checker.locator('input[name="check-source"]').fill('web');
    await checker.locator('input[name="check-destination"]').fill('api');
    await checker.getByRole('button', { name: 'Check' }).click();
    const verdict = checker.locator('.verdict');
    await verdict.waitFor();
    assert.match((await verdict.textContent()) ?? '', /web → api: denied\s*by the intention web → api/);
    await screenshot(page, 'intentions');

    const topology = await newPage();
    await topology.goto(`${ui}/dc1/services/web`);
    await topology.getByRole('tab', { name: 'Topology' }).click();
    await topology.locator('.topo-denied').first().waitFor();
    await screenshot(topology, 'service-topology-denied');
    await topology.getByRole('tab', { name: /Intentions/ }).click();
    await topology.getByRole('heading', { name: 'Outgoing: what web may call' }).waitFor();
    await topology.locator('tr[data-intention="web->api"]').waitFor();
    await screenshot(topology, 'service-intentions');
    await topology.close();

    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await fetch(`${base}/v1/connect/intentions/exact?source=web&destination=api`)).status, 404);
    await waitFor(async () => (await throughUpstream()) === 'hello from api', { what: 'traffic after the delete' });
    await page.close();
  });

  it('edits an intention in the UI', async () => {
    await put('/v1/connect/intentions/exact?source=billing&destination=api', { Action: 'allow' });
    const page = await newPage();
    await page.goto(`${ui}/dc1/intentions`);
    const row = page.locator('tr[data-intention="billing->api"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit intention' });
    await form.locator('input[name="action"][value="deny"]').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await waitFor(
      async () => {
        const response = await fetch(`${base}/v1/connect/intentions/exact?source=billing&destination=api`);
        return ((await response.json()) as { Action: string }).Action === 'deny';
      },
      { what: 'the edited intention to deny' },
    );
    await row.locator('.action-deny').waitFor();
    await page.getByLabel('Filter intentions').fill('web');
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Filter intentions').fill('bill');
    await row.waitFor();
    await page.close();
  });

  it('creates a KV key in the UI that `lattice kv get` reads back, and shows changes made elsewhere', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/kv`);
    await page.getByRole('button', { name: 'Create' }).click();
    const form = page.getByRole('form', { name: 'Create key' });
    await form.locator('input[name="key"]').fill('app/config/greeting');
    await form.locator('textarea[name="value"]').fill('hello from the UI ✓');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`${ui}/dc1/kv/app/config/greeting`);
    const value = page.getByRole('form', { name: 'Edit key' }).locator('textarea[name="value"]');
    await value.waitFor();
    assert.equal(await value.inputValue(), 'hello from the UI ✓');

    const cli = { CONSUL_HTTP_ADDR: `${address}:8500` };
    const read = await runLattice(['kv', 'get', 'app/config/greeting'], { env: cli });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), 'hello from the UI ✓');
    await screenshot(page, 'kv-key');

    const changed = await fetch(`${base}/v1/kv/app/config/greeting`, { method: 'PUT', body: 'changed by the API' });
    assert.equal(await changed.text(), 'true');
    await waitFor(async () => (await value.inputValue()) === 'changed by the API', {
      what: 'the new value in the editor',
    });

    // Edited in the UI (check-and-set against the index it shows), then deleted in the UI.
    await value.fill('edited in the UI');
    await page.getByRole('form', { name: 'Edit key' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const edited = await runLattice(['kv', 'get', 'app/config/greeting'], { env: cli });
    assert.equal(edited.stdout.trim(), 'edited in the UI');
    await page.getByRole('form', { name: 'Edit key' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.waitForURL(`${ui}/dc1/kv/app/config/`);
    const gone = await runLattice(['kv', 'get', 'app/config/greeting'], { env: cli });
    assert.notEqual(gone.code, 0, 'the deleted key is gone');
    await fetch(`${base}/v1/kv/app/config/greeting`, { method: 'PUT', body: 'hello again' });

    // A value that is not UTF-8 is shown as base64, read-only, rather than garbled.
    const binary = await fetch(`${base}/v1/kv/app/config/blob`, {
      method: 'PUT',
      body: new Uint8Array([0xff, 0xfe, 0x00, 0x01]),
    });
    assert.equal(await binary.text(), 'true');
    await page.goto(`${ui}/dc1/kv/app/config/blob`);
    await page.getByText('This value is binary (4 bytes)').waitFor();
    assert.equal(await page.locator('.kv-binary').textContent(), '//4AAQ==');

    await page.goto(`${ui}/dc1/kv/app/config/`);
    await page.locator('.kv-key', { hasText: 'greeting' }).waitFor();
    await screenshot(page, 'kv-folder');
    await page.getByRole('link', { name: 'Key/Value' }).first().click();
    await page.locator('.kv-folder', { hasText: 'app/' }).waitFor();
    await screenshot(page, 'kv-root');
    await page.close();
  });

  it('explains 403, 500 and no-leader answers instead of showing a blank page', async () => {
    const page = await newPage();
    const answer = (status: number, body: string) => (route: Route) =>
      route.fulfill({ status, contentType: 'text/plain; charset=utf-8', body });
    await page.route(
      '**/v1/internal/ui/services*',
      answer(403, 'Permission denied: token with AccessorID lacks service:read'),
    );
    await page.goto(`${ui}/dc1/services`);
    await page.locator('.error-box', { hasText: 'Permission denied (403)' }).waitFor();
    await screenshot(page, 'error-403');

    await page.unrouteAll();
    await page.route('**/v1/internal/ui/services*', answer(500, 'No cluster leader'));
    await page.route('**/v1/status/leader*', (route) => route.fulfill({ status: 200, body: '""' }));
    await page.reload();
    await page.locator('.error-box', { hasText: 'No cluster leader' }).waitFor();
    await page.locator('.statusbar .status-bad', { hasText: 'No cluster leader' }).waitFor();
    await screenshot(page, 'error-no-leader');

    await page.unrouteAll();
    await page.route('**/v1/internal/ui/services*', answer(500, 'rpc error: the state store failed'));
    await page.reload();
    await page.locator('.error-box', { hasText: 'The agent answered with an error (500)' }).waitFor();
    assert.match((await page.locator('.error-box').textContent()) ?? '', /the state store failed/);
    // Once the agent answers again the message goes away by itself.
    await page.unrouteAll();
    await page.locator('.error-box').waitFor({ state: 'detached' });
    await page.close();
  });

  it('explains a page that does not exist', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/nowhere`);
    await page.getByText('Page not found').waitFor();
    const asset = await fetch(`${ui}/assets/missing.js`);
    assert.equal(asset.status, 404);
    await page.close();
  });

  it('shows the lost agent as a message, never a blank page', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/services`);
    await page.locator('tr[data-service="web"]').waitFor();
    await agent!.stop();
    await page.locator('.statusbar .status-bad', { hasText: 'Lost connection to the agent' }).waitFor();
    await page.locator('.error-box', { hasText: 'Lost connection to the agent' }).waitFor();
    // What the page showed before stays on screen under the message.
    assert.equal(await page.locator('tr[data-service="web"]').count(), 1);
    await screenshot(page, 'error-lost-connection');
    await page.close();
    assert.deepEqual(pageErrors, []);
  });
});
