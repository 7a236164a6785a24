// Proves the agent's registration rules: lenient body decoding (lower-case and snake_case keys, nanosecond
// durations, Consul's 400 texts, script-check gating), default service and check IDs, sidecar expansion with
// ports from the sidecar range and Consul's default sidecar checks, deregistration taking checks and sidecar
// along, ?replace-existing-checks, kept check status on re-registration, maintenance checks, and persistence of
// API registrations across a restart (config-file ones are not persisted).

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { ValidationError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { decodeCheckBody, decodeServiceBody, ScriptChecksDisabledError } from './decode.js';
import { LocalPersistence } from './persist.js';
import { Registrar } from './registrar.js';
import { LocalState } from './state.js';

const node = { ID: 'id', Node: 'n1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} };
const allow = { scriptChecksAllowed: true };
const dirs: string[] = [];
after(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

function setup(dataDir: string | null = null) {
  const state = new LocalState({ clock: new ManualClock() }, { node, checkUpdateIntervalMs: 0 });
  const persistence = dataDir === null ? null : new LocalPersistence(dataDir, silentLogger());
  const registrar = new Registrar(
    state,
    persistence,
    { nodeName: 'n1', sidecarMinPort: 21000, sidecarMaxPort: 21002 },
    silentLogger(),
  );
  return { state, registrar };
}

describe('decodeServiceBody', () => {
  it('reads Consul, lower-case and snake_case keys alike, with nanosecond durations', () => {
    const definition = decodeServiceBody(
      {
        name: 'web',
        PORT: 80,
        enable_tag_override: true,
        Tags: ['a'],
        check: { http: 'http://127.0.0.1/', interval: 10_000_000_000, DeregisterCriticalServiceAfter: '2m' },
        WriteRequest: { Token: 'ignored' },
      },
      allow,
    );
    assert.equal(definition.id, 'web');
    assert.equal(definition.port, 80);
    assert.equal(definition.enableTagOverride, true);
    assert.deepEqual(definition.weights, { passing: 1, warning: 1 });
    assert.equal(definition.checks[0]?.id, 'service:web');
    assert.equal(definition.checks[0]?.name, "Service 'web' check");
    assert.equal(definition.checks[0]?.intervalMs, 10_000);
    assert.equal(definition.checks[0]?.deregisterCriticalServiceAfterMs, 120_000);
    assert.equal(definition.checks[0]?.status, 'critical');
  });

  it('numbers several checks service:<id>:1, :2 and takes ScriptArgs as args', () => {
    const definition = decodeServiceBody(
      { Name: 'db', ID: 'db-1', Checks: [{ TTL: '10s' }, { ScriptArgs: ['true'], Interval: '5s' }] },
      allow,
    );
    assert.deepEqual(
      definition.checks.map((check) => [check.id, check.kind]),
      [
        ['service:db-1:1', 'ttl'],
        ['service:db-1:2', 'script'],
      ],
    );
    assert.deepEqual(definition.checks[1]?.args, ['true']);
  });

  const refusals: [string, unknown, RegExp][] = [
    ['no name', { Port: 1 }, /^Missing service name$/],
    ['a number as name', { Name: 5 }, /^Request decode failed: Name must be a string/],
    [
      'a bad status',
      { Name: 'x', Check: { TTL: '1s', Status: 'ok' } },
      /^Status for checks must 'passing', 'warning', 'critical'$/,
    ],
    ['two check types', { Name: 'x', Check: { TTL: '1s', TCP: 'a:1' } }, /a check has one type/],
    ['an unspecified address', { Name: 'x', Address: '0.0.0.0' }, /must be an address others can reach/],
    ['not an object', [1, 2], /^Request decode failed/],
  ];
  for (const [name, body, text] of refusals) {
    it(`refuses ${name} with a 400 text`, () => {
      assert.throws(
        () => decodeServiceBody(body, allow),
        (error: unknown) => {
          assert.ok(error instanceof ValidationError);
          assert.match(error.message, text);
          return true;
        },
      );
    });
  }

  it("raises a check interval below 1s to Consul's minimum and hands back the warning", () => {
    const warnings: string[] = [];
    const definition = decodeServiceBody(
      { Name: 'x', Check: { TCP: 'a:1', Interval: '10ms', DeregisterCriticalServiceAfter: '10s' } },
      { ...allow, warnings },
    );
    assert.equal(definition.checks[0]?.intervalMs, 1000);
    assert.equal(definition.checks[0]?.deregisterCriticalServiceAfterMs, 60_000);
    assert.equal(warnings.length, 2);
    assert.match(warnings.join('\n'), /check has interval below minimum: 10ms raised to minimum_interval=1s/);
    assert.match(
      warnings.join('\n'),
      /check has deregister interval below minimum: 10s raised to minimum_interval=1m0s/,
    );
  });

  it('accepts a check with AliasNode alone', () => {
    const definition = decodeCheckBody({ Name: 'an', AliasNode: 'vm' }, allow);
    assert.equal(definition.kind, 'alias');
    assert.equal(definition.aliasNode, 'vm');
  });

  it('refuses script checks unless enabled for the request', () => {
    assert.throws(
      () => decodeServiceBody({ Name: 'x', Check: { Args: ['true'], Interval: '1s' } }, { scriptChecksAllowed: false }),
      ScriptChecksDisabledError,
    );
    assert.throws(
      () => decodeCheckBody({ Name: 'c', Args: ['true'], Interval: '1s' }, { scriptChecksAllowed: false }),
      ScriptChecksDisabledError,
    );
  });

  it('decodes a check body: ID defaults to the name, CheckID accepted', () => {
    assert.equal(decodeCheckBody({ Name: 'mem', TTL: '30s' }, allow).id, 'mem');
    assert.equal(decodeCheckBody({ name: 'mem', checkid: 'm1', ttl: 30_000_000_000 }, allow).ttlMs, 30_000);
    assert.throws(() => decodeCheckBody({ TTL: '1s' }, allow), { message: 'Missing check name' });
  });
});

describe('Registrar', () => {
  it('expands a sidecar with the next free port and the default sidecar checks', async () => {
    const { state, registrar } = setup();
    await registrar.registerService(
      decodeServiceBody({ Name: 'web', Port: 8080, Connect: { SidecarService: {} } }, allow),
      {
        token: '',
        source: 'api',
      },
    );
    await registrar.registerService(
      decodeServiceBody({ Name: 'api', Port: 9090, Connect: { SidecarService: {} } }, allow),
      {
        token: '',
        source: 'api',
      },
    );
    const sidecar = state.service('web-sidecar-proxy')?.row;
    assert.equal(sidecar?.Kind, 'connect-proxy');
    assert.equal(sidecar?.Port, 21000);
    assert.equal(sidecar?.Proxy?.DestinationServiceID, 'web');
    assert.equal(sidecar?.Proxy?.LocalServicePort, 8080);
    assert.equal(state.service('api-sidecar-proxy')?.row.Port, 21001);
    assert.deepEqual(
      state.serviceChecks('web-sidecar-proxy').map((check) => [check.row.Name, check.definition?.kind]),
      [
        ['Connect Sidecar Listening', 'tcp'],
        ['Connect Sidecar Aliasing web', 'alias'],
      ],
    );
    // Re-registering keeps the sidecar's port.
    await registrar.registerService(
      decodeServiceBody({ Name: 'web', Port: 8080, Connect: { SidecarService: {} } }, allow),
      {
        token: '',
        source: 'api',
      },
    );
    assert.equal(state.service('web-sidecar-proxy')?.row.Port, 21000);
    await registrar.deregisterService('web');
    assert.equal(state.service('web'), undefined);
    assert.equal(state.service('web-sidecar-proxy'), undefined, 'the sidecar goes with its service');
    assert.equal(state.serviceChecks('web-sidecar-proxy').length, 0);
  });

  it('keeps a check status on re-registration and drops unlisted checks only with replace-existing-checks', async () => {
    const { state, registrar } = setup();
    const body = {
      Name: 'web',
      Checks: [
        { CheckID: 'a', TTL: '10s' },
        { CheckID: 'b', TTL: '10s' },
      ],
    };
    await registrar.registerService(decodeServiceBody(body, allow), { token: '', source: 'api' });
    state.updateCheck('a', 'passing', 'fine');
    const fewer = { Name: 'web', Checks: [{ CheckID: 'a', TTL: '10s' }] };
    await registrar.registerService(decodeServiceBody(fewer, allow), { token: '', source: 'api' });
    assert.equal(state.check('a')?.row.Status, 'passing');
    assert.ok(state.check('b'), 'kept without the flag');
    await registrar.registerService(decodeServiceBody(fewer, allow), {
      token: '',
      source: 'api',
      replaceExistingChecks: true,
    });
    assert.equal(state.check('b'), undefined);
  });

  it("refuses what the catalog would refuse, such as reserved meta keys, with Consul's text", async () => {
    const { state, registrar } = setup();
    // Refused while the body is decoded (config validation shares the rule) or at the registrar: never stored.
    await assert.rejects(
      async () =>
        registrar.registerService(decodeServiceBody({ Name: 'web', Meta: { 'consul-internal': 'x' } }, allow), {
          token: '',
          source: 'api',
        }),
      /^ValidationError: .*Key prefix 'consul-' is reserved/,
    );
    assert.equal(state.services().length, 0);
  });

  it('refuses a check for an unknown service', async () => {
    const { registrar } = setup();
    await assert.rejects(
      registrar.registerCheck(decodeCheckBody({ Name: 'c', TTL: '1s', ServiceID: 'nope' }, allow), {
        token: '',
        source: 'api',
      }),
      /ServiceID "nope" does not exist/,
    );
  });

  it('turns maintenance on and off with Consul check IDs and reasons', async () => {
    const { state, registrar } = setup();
    await registrar.registerService(decodeServiceBody({ Name: 'web' }, allow), { token: '', source: 'api' });
    registrar.enableNodeMaintenance('patching', '');
    registrar.enableServiceMaintenance('web', '', '');
    assert.equal(state.check('_node_maintenance')?.row.Notes, 'patching');
    assert.equal(state.check('_service_maintenance:web')?.row.Status, 'critical');
    assert.match(state.check('_service_maintenance:web')?.row.Notes ?? '', /no reason was provided/);
    registrar.disableNodeMaintenance();
    registrar.disableServiceMaintenance('web');
    assert.equal(state.checks().length, 0);
    assert.throws(() => registrar.enableServiceMaintenance('nope', '', ''), /Unknown service ID "nope"/);
  });

  it('persists API registrations in the data dir and restores them; config ones are re-read, not persisted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lattice-local-'));
    dirs.push(dir);
    const first = setup(dir);
    await first.registrar.registerService(
      decodeServiceBody({ Name: 'web', Port: 80, Check: { TTL: '30s' }, Tags: ['x'] }, allow),
      { token: 'secret', source: 'api' },
    );
    await first.registrar.loadConfigDefinitions([decodeServiceBody({ Name: 'from-file' }, allow)], []);
    assert.equal((await readdir(join(dir, 'services'))).length, 1);
    assert.equal((await readdir(join(dir, 'checks'))).length, 1);

    const second = setup(dir);
    await second.registrar.restorePersisted(Date.now());
    assert.deepEqual(second.state.service('web')?.row.Tags, ['x']);
    assert.equal(second.state.service('web')?.token, 'secret');
    assert.equal(second.state.check('service:web')?.definition?.ttlMs, 30_000);
    assert.equal(second.state.service('from-file'), undefined);

    // A TTL result saved before the restart comes back while it has not expired.
    const persistence = new LocalPersistence(dir, silentLogger());
    await persistence.saveCheckState({ CheckID: 'service:web', Status: 'passing', Output: 'up', ExpiresWallMs: 2_000 });
    const third = setup(dir);
    await third.registrar.restorePersisted(1_000);
    assert.deepEqual(
      [third.state.check('service:web')?.row.Status, third.state.check('service:web')?.row.Output],
      ['passing', 'up'],
    );
    const fourth = setup(dir);
    await fourth.registrar.restorePersisted(3_000);
    assert.equal(fourth.state.check('service:web')?.row.Status, 'critical', 'an expired result is ignored');

    await second.registrar.deregisterService('web');
    assert.deepEqual(await readdir(join(dir, 'services')), []);
    assert.deepEqual(await readdir(join(dir, 'checks')), ['state']);
    assert.deepEqual(await readdir(join(dir, 'checks', 'state')), [], 'the saved TTL state goes with the check');
  });

  it('reload drops config services that left the files and keeps API ones', async () => {
    const { state, registrar } = setup();
    await registrar.registerService(decodeServiceBody({ Name: 'api-made' }, allow), { token: '', source: 'api' });
    await registrar.loadConfigDefinitions(
      [decodeServiceBody({ Name: 'a' }, allow), decodeServiceBody({ Name: 'b' }, allow)],
      [],
    );
    await registrar.loadConfigDefinitions([decodeServiceBody({ Name: 'b' }, allow)], []);
    assert.deepEqual(
      state
        .services()
        .map((entry) => entry.row.ID)
        .sort(),
      ['api-made', 'b'],
    );
  });
});
