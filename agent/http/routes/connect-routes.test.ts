// Proves the Connect HTTP API end to end below Raft: fastify's inject drives /v1/connect/ca/*, /v1/connect/intentions*,
// /v1/config* and /v1/agent/connect/*, whose RPCs run the real endpoint handlers over a real StateStore (commands
// applied at once, as a one-server FSM would), with the agent's Connect caches on a ManualClock. Checked together:
// roots and PEM bundle, a leaf for `web` that verifies against the root (node:crypto) with the right SPIFFE URI,
// authorize following intentions, Consul's texts for refused intentions and config entries, CAS on config entries,
// a root rotation whose new leaf verifies through the cross-signed certificate, and a renewal inside 60–90 % of the
// leaf's lifetime.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { CA_CONFIG_DEFAULTS } from '../../../connect/index.js';
import { ManualClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { SeededRand } from '../../../lib/rand.js';
import { initialCaRequest } from '../../../server/endpoints/connect-ca-provider.js';
import { caRootsCommand } from '../../../server/fsm/index.js';
import { StateStore } from '../../../server/state/store.js';
import { endpointRpc } from '../../../server/testing/endpoint-rpc.js';
import { allowAllAuthorizer } from '../../acl/authorizer.js';
import { AgentConnect } from '../../connect/agent-connect.js';
import { buildHttpApi } from '../api.js';
import { testBuild, testConfig } from '../testing/fake-rpc.js';

const clusterId = '7f42f496-fbc7-8692-05ed-334aa5340c1e';

async function setup() {
  const clock = new ManualClock();
  const store = new StateStore({ nowMs: () => clock.nowMs() });
  const config = testConfig();
  const { rpc, context } = endpointRpc(store, { clock });
  await context.apply(caRootsCommand(await initialCaRequest(clusterId, CA_CONFIG_DEFAULTS, clock.wallMs())));
  const connect = new AgentConnect(
    { rpc, clock, rand: new SeededRand(3), log: silentLogger() },
    { datacenter: 'dc1', defaultAllow: true },
  );
  const app = await buildHttpApi({
    config,
    build: testBuild,
    runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
    authorizer: allowAllAuthorizer,
    log: silentLogger(),
    rpc,
    connect,
  });
  const close = async () => {
    await connect.stop();
    await app.close();
  };
  return { app, store, clock, connect, close };
}

type App = Awaited<ReturnType<typeof setup>>['app'];
const json = <T = Record<string, unknown>>(body: string): T => JSON.parse(body) as T;
const certificates = (pem: string): X509Certificate[] =>
  pem.split(/(?=-----BEGIN CERTIFICATE-----)/).map((part) => new X509Certificate(part));

async function authorized(app: App, source: string, target: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/agent/connect/authorize',
    payload: { Target: target, ClientCertURI: `spiffe://${clusterId}.consul/ns/default/dc/dc1/svc/${source}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ Authorized: boolean; Reason: string }>(response.body);
}

/** Polls a condition between turns of the event loop until it holds, failing after a generous deadline. */
async function eventually(condition: () => Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const startedMs = performance.now();
  while (performance.now() - startedMs < deadlineMs) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('condition not reached');
}

describe('Connect HTTP API', () => {
  it('serves roots, a leaf that verifies against the root, and a PEM bundle', async () => {
    const { app, close } = await setup();
    try {
      const roots = json<{ ActiveRootID: string; TrustDomain: string; Roots: { ID: string; RootCert: string }[] }>(
        (await app.inject({ url: '/v1/connect/ca/roots' })).body,
      );
      assert.equal(roots.TrustDomain, `${clusterId}.consul`);
      assert.equal(roots.Roots.length, 1);
      assert.equal(roots.Roots[0]?.ID, roots.ActiveRootID);
      const pem = await app.inject({ url: '/v1/connect/ca/roots?pem=true' });
      assert.equal(pem.headers['content-type'], 'application/pem-certificate-chain');
      assert.match(pem.body, /^-----BEGIN CERTIFICATE-----/);
      const agentRoots = await app.inject({ url: '/v1/agent/connect/ca/roots' });
      assert.equal(json(agentRoots.body)['ActiveRootID'], roots.ActiveRootID);

      const response = await app.inject({ url: '/v1/agent/connect/ca/leaf/web' });
      assert.equal(response.statusCode, 200, response.body);
      const leaf = json<Record<string, string | number>>(response.body);
      const uri = `spiffe://${clusterId}.consul/ns/default/dc/dc1/svc/web`;
      assert.equal(leaf['ServiceURI'], uri);
      assert.equal(leaf['Service'], 'web');
      assert.match(String(leaf['PrivateKeyPEM']), /PRIVATE KEY/);
      assert.match(String(leaf['SerialNumber']), /^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
      const [cert] = certificates(String(leaf['CertPEM']));
      assert.ok(cert?.verify(new X509Certificate(roots.Roots[0]?.RootCert as string).publicKey));
      assert.equal(cert?.subjectAltName, `URI:${uri}`);
      assert.equal(response.headers['x-consul-index'], String(leaf['ModifyIndex']));
    } finally {
      await close();
    }
  });

  it('agent leaf and authorize refuse a namespace or partition as Consul CE does; the roots ignore both', async () => {
    const { app, close } = await setup();
    try {
      const namespace = 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature';
      const partition = 'Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature';
      const authorize = { Target: 'db', ClientCertURI: `spiffe://${clusterId}.consul/ns/default/dc/dc1/svc/web` };
      const leaf = await app.inject({ url: '/v1/agent/connect/ca/leaf/web?ns=team-a' });
      assert.deepEqual([leaf.statusCode, leaf.body], [400, namespace]);
      const denied = await app.inject({
        method: 'POST',
        url: '/v1/agent/connect/authorize',
        headers: { 'x-consul-partition': 'p1' },
        payload: authorize,
      });
      assert.deepEqual([denied.statusCode, denied.body], [400, partition]);
      const roots = await app.inject({ url: '/v1/agent/connect/ca/roots?ns=team-a&partition=p1' });
      assert.equal(roots.statusCode, 200);
      const issued = await app.inject({ url: '/v1/agent/connect/ca/leaf/web?ns=' });
      assert.equal(issued.statusCode, 200, 'an empty namespace is none');
    } finally {
      await close();
    }
  });

  it('refuses exact and check targets Consul cannot parse, with its text, and stores nothing', async () => {
    const { app, close } = await setup();
    try {
      const answers = await Promise.all(
        [
          ['PUT', '/v1/connect/intentions/exact?source=a/b/c/d&destination=db'],
          ['DELETE', '/v1/connect/intentions/exact?source=web&destination=peer:other/db'],
          ['GET', '/v1/connect/intentions/check?source=peer:other/web&destination=db'],
        ].map(([method, url]) => app.inject({ method: method as 'PUT' | 'DELETE' | 'GET', url: url!, payload: {} })),
      );
      assert.deepEqual(
        answers.map((answer) => [answer.statusCode, answer.body]),
        [
          [500, `source "a/b/c/d" is invalid: input can contain at most two '/'`],
          [500, `destination "peer:other/db" is invalid: cannot specify a peer here`],
          [500, `source "peer:other/web" is invalid: cannot specify a peer here`],
        ],
      );
      const listed = await app.inject({ url: '/v1/connect/intentions' });
      assert.deepEqual(json<unknown[]>(listed.body), []);
    } finally {
      await close();
    }
  });

  it('authorizes by intentions created through the legacy API, exact and config entries', async () => {
    const { app, close } = await setup();
    try {
      assert.deepEqual(await authorized(app, 'web', 'db'), {
        Authorized: true,
        Reason: 'Default behavior configured by ACLs',
      });
      const created = await app.inject({
        method: 'POST',
        url: '/v1/connect/intentions',
        payload: { SourceName: 'web', DestinationName: 'db', Action: 'deny' },
      });
      const id = json<{ ID: string }>(created.body).ID;
      assert.match(id, /^[0-9a-f-]{36}$/);
      await eventually(async () => !(await authorized(app, 'web', 'db')).Authorized);
      assert.match((await authorized(app, 'web', 'db')).Reason, /^Matched L4 intention: web => db/);

      const duplicate = await app.inject({
        method: 'POST',
        url: '/v1/connect/intentions',
        payload: { sourcename: 'web', destinationname: 'db', action: 'allow' },
      });
      // Consul ≥ 1.9 refuses the repeated source in the service-intentions entry: 500 with its validation text.
      assert.deepEqual([duplicate.statusCode, duplicate.body], [500, 'Sources[1] defines "web" more than once']);

      const updated = await app.inject({
        method: 'PUT',
        url: `/v1/connect/intentions/${id}`,
        payload: { SourceName: 'web', DestinationName: 'db', Action: 'allow' },
      });
      assert.equal(updated.statusCode, 200, updated.body);
      await eventually(async () => (await authorized(app, 'web', 'db')).Authorized);

      const exact = await app.inject({
        method: 'PUT',
        url: '/v1/connect/intentions/exact?source=*&destination=db',
        payload: { Action: 'deny' },
      });
      assert.equal(exact.body, 'true');
      // Consul's computeApplyChangesUpsert: no ID on the exact write, and no Meta unless it repeats the entry's.
      const withId = await app.inject({
        method: 'PUT',
        url: '/v1/connect/intentions/exact?source=*&destination=db',
        payload: { ID: id, Action: 'deny' },
      });
      assert.deepEqual([withId.statusCode, withId.body], [400, 'ID must not be specified']);
      const withMeta = await app.inject({
        method: 'PUT',
        url: '/v1/connect/intentions/exact?source=web&destination=fresh',
        payload: { Action: 'deny', Meta: { team: 'a' } },
      });
      assert.deepEqual([withMeta.statusCode, withMeta.body], [400, 'Meta must not be specified']);
      const changedMeta = await app.inject({
        method: 'PUT',
        url: '/v1/connect/intentions/exact?source=*&destination=db',
        payload: { Action: 'deny', Meta: { team: 'a' } },
      });
      assert.deepEqual(
        [changedMeta.statusCode, changedMeta.body],
        [400, 'Meta must not be specified, or should be unchanged during an update.'],
      );
      await eventually(async () => !(await authorized(app, 'api', 'db')).Authorized);
      assert.ok((await authorized(app, 'web', 'db')).Authorized, 'the exact source outranks the wildcard');

      const list = json<{ SourceName: string; Precedence: number }[]>(
        (await app.inject({ url: '/v1/connect/intentions' })).body,
      );
      assert.deepEqual(
        list.map((item) => [item.SourceName, item.Precedence]),
        [
          ['web', 9],
          ['*', 8],
        ],
      );
      const check = await app.inject({ url: '/v1/connect/intentions/check?source=api&destination=db' });
      assert.deepEqual(json(check.body), { Allowed: false });
      const match = json<Record<string, unknown[]>>(
        (await app.inject({ url: '/v1/connect/intentions/match?by=destination&name=db' })).body,
      );
      assert.equal(match['db']?.length, 2);
      const exactGot = await app.inject({ url: '/v1/connect/intentions/exact?source=web&destination=db' });
      assert.equal(json(exactGot.body)['Action'], 'allow');
      const missing = await app.inject({ url: '/v1/connect/intentions/exact?source=x&destination=db' });
      assert.equal(missing.statusCode, 404);
      // Consul ≥ 1.9: the exact write stored db's entry as a config entry, which drops its legacy IDs: the ID-based
      // endpoints no longer find web => db, and refuse to edit db's intentions (500, as Consul's RPC error).
      assert.equal((await app.inject({ url: `/v1/connect/intentions/${id}` })).statusCode, 404);
      const legacyCreate = await app.inject({
        method: 'POST',
        url: '/v1/connect/intentions',
        payload: { SourceName: 'api', DestinationName: 'db', Action: 'allow' },
      });
      assert.deepEqual(
        [legacyCreate.statusCode, legacyCreate.body],
        [
          500,
          'cannot use legacy intention API to edit intentions with a destination of "db" after editing them via a service-intentions config entry',
        ],
      );

      const deleted = await app.inject({
        method: 'DELETE',
        url: '/v1/connect/intentions/exact?source=web&destination=db',
      });
      assert.equal(deleted.body, 'true');
      await eventually(async () => !(await authorized(app, 'web', 'db')).Authorized);
      const gone = await app.inject({ method: 'DELETE', url: `/v1/connect/intentions/${id}` });
      // Consul's Intention.Apply refusal is an RPC error: 500 with its text.
      assert.equal(gone.statusCode, 500);
      assert.equal(gone.body, `Cannot delete non-existent intention: '${id}'`);

      const bad = await app.inject({
        method: 'POST',
        url: '/v1/connect/intentions',
        payload: { SourceName: 'web', DestinationName: 'db2', Action: 'maybe' },
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /Action must be set to 'allow' or 'deny'/);
    } finally {
      await close();
    }
  });

  it('accepts L7 permissions only for HTTP services and applies config entries with CAS', async () => {
    const { app, close } = await setup();
    try {
      const l7 = {
        SourceName: 'web',
        DestinationName: 'api',
        Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v1/' } }],
      };
      const refused = await app.inject({ method: 'POST', url: '/v1/connect/intentions', payload: l7 });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /protocol "tcp"/);
      const defaults = await app.inject({
        method: 'PUT',
        url: '/v1/config?cas=0',
        payload: { kind: 'service-defaults', name: 'api', protocol: 'http' },
      });
      assert.equal(defaults.body, 'true');
      const again = await app.inject({
        method: 'PUT',
        url: '/v1/config?cas=0',
        payload: { Kind: 'service-defaults', Name: 'api', Protocol: 'grpc' },
      });
      assert.equal(again.body, 'false');
      const entry = json((await app.inject({ url: '/v1/config/service-defaults/api' })).body);
      assert.equal(entry['Protocol'], 'http');
      assert.equal((await app.inject({ method: 'POST', url: '/v1/connect/intentions', payload: l7 })).statusCode, 200);
      assert.ok(!(await authorized(app, 'web', 'api')).Authorized, 'authorize is L4-only: L7 counts as deny');
      const kinds = json<unknown[]>((await app.inject({ url: '/v1/config/service-intentions' })).body);
      assert.equal(kinds.length, 1);

      const proxy = await app.inject({
        method: 'PUT',
        url: '/v1/config',
        payload: { Kind: 'proxy-defaults', Name: 'x' },
      });
      assert.deepEqual([proxy.statusCode, proxy.body], [400, 'invalid name ("x"), only "global" is supported']);
      const router = await app.inject({
        method: 'PUT',
        url: '/v1/config',
        payload: { Kind: 'service-router', Name: 'a' },
      });
      assert.equal(router.statusCode, 501);
      const unknown = await app.inject({ method: 'PUT', url: '/v1/config', payload: { Kind: 'nope', Name: 'a' } });
      assert.deepEqual([unknown.statusCode, unknown.body], [400, 'invalid config entry kind: nope']);
      const absent = await app.inject({ url: '/v1/config/service-defaults/zzz' });
      assert.deepEqual(
        [absent.statusCode, absent.body],
        [404, 'Config entry not found for "service-defaults" / "zzz"'],
      );
      const del = await app.inject({ method: 'DELETE', url: '/v1/config/service-defaults/api?cas=1' });
      assert.equal(del.body, 'false');
      assert.equal((await app.inject({ method: 'DELETE', url: '/v1/config/service-defaults/api' })).body, 'true');
    } finally {
      await close();
    }
  });

  it('rotates the root on a key change: both roots listed, the new leaf verifies through the cross-signed cert', async () => {
    const { app, clock, close } = await setup();
    try {
      const first = await app.inject({ url: '/v1/agent/connect/ca/leaf/web' });
      const firstLeaf = json<{ CertPEM: string; ModifyIndex: number }>(first.body);
      const oldRoots = json<{ Roots: { RootCert: string }[] }>(
        (await app.inject({ url: '/v1/connect/ca/roots' })).body,
      );
      const oldRoot = new X509Certificate(oldRoots.Roots[0]?.RootCert as string);

      const bad = await app.inject({
        method: 'PUT',
        url: '/v1/connect/ca/configuration',
        payload: { Provider: 'consul', Config: { PrivateKeyType: 'ec', PrivateKeyBits: 300 } },
      });
      assert.equal(bad.statusCode, 400);
      const put = await app.inject({
        method: 'PUT',
        url: '/v1/connect/ca/configuration',
        payload: { Provider: 'consul', Config: { PrivateKeyType: 'ec', PrivateKeyBits: 384, LeafCertTTL: '24h' } },
      });
      assert.equal(put.statusCode, 200, put.body);
      const config = json<{ Config: Record<string, unknown> }>(
        (await app.inject({ url: '/v1/connect/ca/configuration' })).body,
      );
      assert.equal(config.Config['PrivateKeyBits'], 384);
      assert.equal(config.Config['LeafCertTTL'], '24h');

      const roots = json<{ ActiveRootID: string; Roots: { ID: string; Active: boolean; RootCert: string }[] }>(
        (await app.inject({ url: '/v1/connect/ca/roots' })).body,
      );
      assert.equal(roots.Roots.length, 2);
      const active = roots.Roots.find((root) => root.Active);
      assert.equal(active?.ID, roots.ActiveRootID);
      const newRoot = new X509Certificate(active?.RootCert as string);
      // The old leaf still verifies against the old root, which stays listed.
      assert.ok(certificates(firstLeaf.CertPEM)[0]?.verify(oldRoot.publicKey));

      // The agent re-issues the leaf under the new root (spread over a short window on the clock).
      let settled = false;
      const next = app
        .inject({ url: `/v1/agent/connect/ca/leaf/web?index=${firstLeaf.ModifyIndex}&wait=10m` })
        .finally(() => {
          settled = true;
        });
      // Past the re-issue window, time stands still: the answer must be the new leaf, not the wait running out.
      let advancedMs = 0;
      await eventually(async () => {
        if (advancedMs < 3_000) {
          clock.advance(100);
          advancedMs += 100;
        }
        return settled;
      });
      const reissued = await next;
      const leaf = json<{ CertPEM: string; ModifyIndex: number }>(reissued.body);
      assert.ok(leaf.ModifyIndex > firstLeaf.ModifyIndex);
      const [cert, crossSigned] = certificates(leaf.CertPEM);
      assert.ok(cert?.verify(newRoot.publicKey), 'verifies against the new root');
      assert.ok(cert?.verify((crossSigned as X509Certificate).publicKey), 'and through the cross-signed cert');
      assert.ok(crossSigned?.verify(oldRoot.publicKey), 'which the old root signed');
    } finally {
      await close();
    }
  });

  it('renews a leaf between 60 % and 90 % of its lifetime', async () => {
    const { app, clock, connect, close } = await setup();
    try {
      const first = json<{ ModifyIndex: number; ValidAfter: string; ValidBefore: string }>(
        (await app.inject({ url: '/v1/agent/connect/ca/leaf/web' })).body,
      );
      const lifetimeMs = Date.parse(first.ValidBefore) - Date.parse(first.ValidAfter);
      const sinceIssueMs = clock.wallMs() - Date.parse(first.ValidAfter);
      clock.advance(lifetimeMs * 0.6 - sinceIssueMs - 1_000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal((await connect.leaf('web')).index, first.ModifyIndex, 'not renewed before 60 %');
      clock.advance(lifetimeMs * 0.3 + 2_000);
      await eventually(async () => (await connect.leaf('web')).index > first.ModifyIndex);
    } finally {
      await close();
    }
  });
});
