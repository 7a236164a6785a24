// Proves the web UI writes intentions by source and destination (/v1/connect/intentions/exact), as Consul's UI
// does, in Chromium against `lattice agent -dev` on 127.41.0.2: for a destination written with `lattice config
// write` (where the servers refuse the legacy ID-based API, as Consul ≥1.9 does) the UI creates an intention,
// edits its action and deletes it, deletes an L7 one, and leaves the entry's other sources alone; it never calls
// the legacy endpoints; creating over an existing intention is refused before any write, and the agent's refusals
// (a 400 on save, a 500 on delete) are shown with what the agent said.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type LatticeProcess,
  repositoryRoot,
  runLattice,
  startLattice,
  waitFor,
  waitForHttp,
} from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { openUiBrowser, screenshot, type UiBrowser } from './ui-browser.js';

const address = '127.41.0.2';
const base = `http://${address}:8500`;
const ui = `${base}/ui`;
/** Long enough for a loaded CI machine; each wait ends as soon as its condition holds. */
const deadlineMs = 15_000;
let agent: LatticeProcess | null = null;
let dir: TempDir | null = null;
let browser: UiBrowser | null = null;
const pageErrors: string[] = [];
/** `METHOD /path` of every intention request the pages made, to prove the legacy endpoints are never used. */
const intentionRequests: string[] = [];

// L7 permissions need an HTTP protocol on the destination, so db gets a service-defaults entry first.
const dbDefaults = 'Kind = "service-defaults"\nName = "db"\nProtocol = "http"\n';
const dbIntentions = `Kind = "service-intentions"
Name = "db"
Sources = [
  { Name = "web", Action = "allow", Description = "web reads db" },
  {
    Name = "admin"
    Permissions = [{ Action = "deny", HTTP = { PathPrefix = "/admin", Methods = ["POST"] } }]
  },
]
`;

async function newPage(): Promise<Page> {
  const page = await browser!.newPage();
  page.setDefaultTimeout(deadlineMs);
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/v1/connect/intentions'))
      intentionRequests.push(`${request.method()} ${url.pathname}`);
  });
  return page;
}

interface ExactIntention {
  readonly Action: string;
  readonly Description: string;
  readonly Permissions?: readonly unknown[];
}

/** GET /exact: the intention, or null on 404. */
async function exact(source: string, destination: string): Promise<ExactIntention | null> {
  const response = await fetch(`${base}/v1/connect/intentions/exact?source=${source}&destination=${destination}`);
  if (response.status === 404) return null;
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as ExactIntention;
}

/** The names of the sources in db's service-intentions entry, sorted. */
async function dbSourceNames(): Promise<string[]> {
  const response = await fetch(`${base}/v1/config/service-intentions/db`);
  assert.equal(response.status, 200, await response.clone().text());
  const entry = (await response.json()) as { Sources: { Name: string }[] };
  return entry.Sources.map((source) => source.Name).sort();
}

describe('the web UI edits intentions of a destination written as a service-intentions config entry', () => {
  before(async () => {
    assert.ok(
      existsSync(join(repositoryRoot, 'ui', 'dist', 'index.html')),
      'the UI is not built: run `npm run build:ui` (it builds ui/ into ui/dist)',
    );
    dir = await makeTempDir({ 'db-defaults.hcl': dbDefaults, 'db-intentions.hcl': dbIntentions });
    agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`]);
    await waitForHttp(`${base}/v1/agent/self`, { process: agent, deadlineMs: 30_000 });
    // config write needs a leader to apply the entries.
    await waitFor(async () => (await (await fetch(`${base}/v1/status/leader`)).json()) !== '', {
      what: 'a leader',
      deadlineMs: 30_000,
    });
    const env = { CONSUL_HTTP_ADDR: `${address}:8500` };
    for (const file of ['db-defaults.hcl', 'db-intentions.hcl']) {
      const written = await runLattice(['config', 'write', dir.file(file)], { env });
      assert.equal(written.code, 0, written.stderr);
    }
    browser = await openUiBrowser();
  });

  after(async () => {
    await browser?.close();
    if (agent && !agent.hasExited) await agent.stop().catch(() => agent?.kill());
    await dir?.remove();
  });

  it('the servers refuse the legacy API for db (what the UI must not depend on)', async () => {
    const legacy = await fetch(`${base}/v1/connect/intentions`, {
      method: 'POST',
      body: JSON.stringify({ SourceName: 'billing', DestinationName: 'db', Action: 'deny' }),
    });
    assert.equal(legacy.status, 500);
    assert.match(await legacy.text(), /cannot use legacy intention API to edit intentions with a destination of "db"/);
  });

  it('creates an intention for db, edits its action and deletes it, keeping the entry’s other sources', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/intentions`);
    await page.locator('tr[data-intention="web->db"]').waitFor();
    await page.getByRole('button', { name: 'Create intention' }).click();
    const form = page.getByRole('form', { name: 'New intention' });
    await form.locator('input[name="source"]').fill('billing');
    await form.locator('input[name="destination"]').fill('db');
    await form.locator('input[name="action"][value="deny"]').check();
    await form.locator('input[name="description"]').fill('billing keeps out of db');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    const row = page.locator('tr[data-intention="billing->db"]');
    await row.locator('.action-deny').waitFor();
    assert.match((await row.textContent()) ?? '', /billing keeps out of db/);
    const created = await exact('billing', 'db');
    assert.equal(created?.Action, 'deny');
    assert.equal(created?.Description, 'billing keeps out of db');
    assert.deepEqual(await dbSourceNames(), ['admin', 'billing', 'web']);
    await screenshot(page, 'intentions-config-entry-created');

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit intention' });
    await edit.locator('input[name="action"][value="allow"]').check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.locator('.action-allow').waitFor();
    const edited = await exact('billing', 'db');
    assert.equal(edited?.Action, 'allow');
    assert.equal(edited?.Description, 'billing keeps out of db', 'an edit of the action keeps the description');
    assert.deepEqual(await dbSourceNames(), ['admin', 'billing', 'web']);

    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await exact('billing', 'db'), null);
    assert.deepEqual(await dbSourceNames(), ['admin', 'web']);
    assert.equal((await exact('web', 'db'))?.Action, 'allow');
    await page.close();
  });

  it('deletes an L7 intention, which it does not offer to edit', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/intentions`);
    const row = page.locator('tr[data-intention="admin->db"]');
    await row.getByText('L7: 1 rules').waitFor();
    assert.equal(await row.getByRole('button', { name: 'Edit' }).isDisabled(), true);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await exact('admin', 'db'), null);
    assert.deepEqual(await dbSourceNames(), ['web']);
    await page.close();
  });

  it('refuses to create over an existing intention and shows what the agent refused', async () => {
    const page = await newPage();
    await page.goto(`${ui}/dc1/intentions`);
    await page.locator('tr[data-intention="web->db"]').waitFor();
    await page.getByRole('button', { name: 'Create intention' }).click();
    const form = page.getByRole('form', { name: 'New intention' });
    await form.locator('input[name="source"]').fill('web');
    await form.locator('input[name="destination"]').fill('db');
    await form.locator('input[name="action"][value="deny"]').check();
    await form.getByRole('button', { name: 'Save' }).click();
    const exists = form.getByRole('alert');
    await exists.getByText('Not saved: Already exists').waitFor();
    assert.match((await exists.textContent()) ?? '', /An intention from "web" to "db" already exists/);
    const kept = await exact('web', 'db');
    assert.equal(kept?.Action, 'allow', 'nothing was written');
    assert.equal(kept?.Description, 'web reads db');

    // The servers cap a description at 512 characters; their 400 text is what the person reads.
    await form.locator('input[name="source"]').fill('reports');
    await form.locator('input[name="description"]').fill('x'.repeat(600));
    await form.getByRole('button', { name: 'Save' }).click();
    const refused = form.getByRole('alert');
    await refused.getByText('Not saved: The agent refused the request (400)').waitFor();
    assert.match((await refused.textContent()) ?? '', /Description exceeds maximum length 512/);
    assert.equal(await exact('reports', 'db'), null);
    await screenshot(page, 'intentions-config-entry-refused');
    await form.getByRole('button', { name: 'Cancel' }).click();

    // A failed delete says so and the intention stays listed.
    await page.route('**/v1/connect/intentions/exact?*', (route) =>
      route.request().method() === 'DELETE'
        ? route.fulfill({ status: 500, contentType: 'text/plain', body: 'rpc error: raft apply timed out' })
        : route.continue(),
    );
    const row = page.locator('tr[data-intention="web->db"]');
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    const failed = page.locator('.error-box', { hasText: 'Not deleted: The agent answered with an error (500)' });
    await failed.waitFor();
    assert.match((await failed.textContent()) ?? '', /raft apply timed out/);
    assert.equal((await exact('web', 'db'))?.Action, 'allow');
    await page.close();
  });

  it('never used the legacy ID-based endpoints and raised no page errors', () => {
    const legacy = intentionRequests.filter(
      (line) =>
        line === 'POST /v1/connect/intentions' ||
        (/^(PUT|DELETE) \/v1\/connect\/intentions\/[^/]+$/.test(line) && !line.endsWith('/exact')),
    );
    assert.deepEqual(legacy, []);
    assert.ok(intentionRequests.includes('PUT /v1/connect/intentions/exact'), intentionRequests.join('\n'));
    assert.ok(intentionRequests.includes('DELETE /v1/connect/intentions/exact'), intentionRequests.join('\n'));
    assert.deepEqual(pageErrors, []);
  });
});
