// Proves the check runner on a ManualClock: TTL checks start critical, take pass/warn/fail, and expire to
// `TTL expired`; only TTL checks take outside results; scheduled checks first run inside their interval and
// follow the target up and down; thresholds (as a table) delay status changes as Consul's StatusHandler does;
// alias checks mirror a local service; the reaper removes a service critical past
// deregister_critical_service_after.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import type { RpcClient } from '../../server/rpc/methods.js';
import type { HealthStatus } from '../../server/state/types.js';
import { decodeCheckBody, decodeServiceBody } from '../local/decode.js';
import { Registrar } from '../local/registrar.js';
import { LocalState } from '../local/state.js';
import { localStateForN1 } from '../testing/local-fixtures.js';
import { settle, until } from '../testing/wait.js';
import { CheckRunner, NotTtlCheckError, reapIntervalMs, remoteAliasGapMs, type TtlCheckState } from './runner.js';
import { applyThresholds, initialCounters, type ThresholdConfig } from './thresholds.js';

const allow = { scriptChecksAllowed: true };

async function setup() {
  const clock = new ManualClock();
  const { state, registrar } = localStateForN1(clock);
  const runner = new CheckRunner(
    {
      clock,
      rand: new SeededRand(3),
      log: silentLogger(),
      state,
      rpc: () => null,
      deregisterService: (id) => registrar.deregisterService(id),
    },
    { nodeName: 'n1', datacenter: 'dc1', scriptChecksEnabled: false },
  );
  await runner.start();
  const status = (id: string) => state.check(id)?.row.Status;
  return { clock, state, registrar, runner, status };
}

describe('TTL checks', () => {
  it('start critical, take results, and expire with "TTL expired"', async () => {
    const { clock, state, registrar, runner, status } = await setup();
    await registrar.registerCheck(decodeCheckBody({ Name: 'mem', TTL: '10s' }, allow), { token: '', source: 'api' });
    assert.equal(status('mem'), 'critical');
    runner.updateTtl('mem', 'passing', 'ok');
    assert.equal(status('mem'), 'passing');
    clock.advance(9_000);
    runner.updateTtl('mem', 'warning', 'meh'); // resets the TTL
    clock.advance(9_000);
    assert.equal(status('mem'), 'warning');
    clock.advance(1_000);
    assert.equal(status('mem'), 'critical');
    assert.equal(state.check('mem')?.row.Output, 'TTL expired');
    assert.equal(runner.updateTtl('unknown', 'passing', ''), false);
    await runner.stop();
  });

  it('saves each outside result with its expiry, for a restart inside the TTL', async () => {
    const clock = new ManualClock(0, 1_000_000);
    const state = new LocalState(
      { clock },
      {
        node: { ID: 'id', Node: 'n1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
        checkUpdateIntervalMs: 0,
      },
    );
    const registrar = new Registrar(
      state,
      null,
      { nodeName: 'n1', sidecarMinPort: 21000, sidecarMaxPort: 21255 },
      silentLogger(),
    );
    const saved: TtlCheckState[] = [];
    const runner = new CheckRunner(
      {
        clock,
        rand: new SeededRand(3),
        log: silentLogger(),
        state,
        rpc: () => null,
        deregisterService: async () => true,
        persistTtlState: async (entry) => {
          saved.push(entry);
        },
      },
      { nodeName: 'n1', datacenter: 'dc1', scriptChecksEnabled: false },
    );
    await runner.start();
    await registrar.registerCheck(decodeCheckBody({ Name: 'mem', TTL: '10s' }, allow), { token: '', source: 'api' });
    runner.updateTtl('mem', 'passing', 'ok');
    await runner.stop();
    assert.deepEqual(saved, [{ CheckID: 'mem', Status: 'passing', Output: 'ok', ExpiresWallMs: 1_010_000 }]);
  });

  it('refuses outside results for other check types', async () => {
    const { registrar, runner } = await setup();
    await registrar.registerCheck(decodeCheckBody({ Name: 'tcp', TCP: '127.0.0.1:1', Interval: '10s' }, allow), {
      token: '',
      source: 'api',
    });
    assert.throws(() => runner.updateTtl('tcp', 'passing', ''), NotTtlCheckError);
    await runner.stop();
  });
});

describe('script checks', () => {
  it('do not run when scripts are off on this agent (a check restored from an older configuration)', async () => {
    const { registrar, runner, state } = await setup();
    await registrar.registerCheck(decodeCheckBody({ Name: 'sh', Args: ['true'], Interval: '1s' }, allow), {
      token: '',
      source: 'api',
    });
    assert.equal(state.check('sh')?.row.Output, 'Script checks are disabled on this agent');
    await runner.stop();
  });
});

describe('scheduled checks', () => {
  it('run first within the interval and follow the target up and down', async () => {
    const { clock, registrar, runner, status } = await setup();
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.23', resolve));
    const port = (server.address() as { port: number }).port;
    await registrar.registerCheck(decodeCheckBody({ Name: 'tcp', TCP: `127.0.0.23:${port}`, Interval: '10s' }, allow), {
      token: '',
      source: 'api',
    });
    assert.equal(status('tcp'), 'critical');
    clock.advance(10_000); // the first run falls somewhere inside the first interval
    await until(() => status('tcp') === 'passing', 'the check to pass');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clock.advance(10_000);
    await until(() => status('tcp') === 'critical', 'the check to fail once the port closed');
    await runner.stop();
  });
});

describe('applyThresholds', () => {
  const run = (config: ThresholdConfig, results: HealthStatus[]): (HealthStatus | null)[] => {
    let counters = initialCounters;
    return results.map((result) => {
      const step = applyThresholds(config, counters, result);
      counters = step.counters;
      return step.status;
    });
  };
  const none = { successBeforePassing: 0, failuresBeforeWarning: 0, failuresBeforeCritical: 0 };
  const cases: [string, ThresholdConfig, HealthStatus[], (HealthStatus | null)[]][] = [
    [
      'no thresholds: every result counts',
      none,
      ['passing', 'critical', 'warning'],
      ['passing', 'critical', 'warning'],
    ],
    [
      'success_before_passing 2',
      { ...none, successBeforePassing: 2 },
      ['passing', 'passing', 'critical', 'passing'],
      [null, 'passing', 'critical', null],
    ],
    [
      'failures_before_critical 3 (warning threshold defaults to it)',
      { ...none, failuresBeforeCritical: 3 },
      ['critical', 'critical', 'critical', 'passing'],
      [null, null, 'critical', 'passing'],
    ],
    [
      'failures_before_warning 1, failures_before_critical 3',
      { ...none, failuresBeforeWarning: 1, failuresBeforeCritical: 3 },
      ['critical', 'critical', 'critical'],
      ['warning', 'warning', 'critical'],
    ],
    [
      'a success resets the failure count',
      { ...none, failuresBeforeCritical: 2 },
      ['critical', 'passing', 'critical', 'critical'],
      [null, 'passing', null, 'critical'],
    ],
  ];
  for (const [name, config, results, expected] of cases)
    it(name, () => assert.deepEqual(run(config, results), expected));
});

describe('alias checks and the reaper', () => {
  it('mirror a local service and turn critical when it goes away', async () => {
    const { registrar, runner, status, state } = await setup();
    await registrar.registerService(
      decodeServiceBody({ Name: 'web', Check: { CheckID: 'web-ttl', TTL: '30s' } }, allow),
      {
        token: '',
        source: 'api',
      },
    );
    await registrar.registerCheck(decodeCheckBody({ Name: 'alias', AliasService: 'web' }, allow), {
      token: '',
      source: 'api',
    });
    assert.equal(status('alias'), 'critical');
    runner.updateTtl('web-ttl', 'passing', '');
    assert.equal(status('alias'), 'passing');
    assert.equal(state.check('alias')?.row.Output, 'All checks passing.');
    runner.updateTtl('web-ttl', 'warning', 'slow');
    assert.equal(status('alias'), 'warning');
    await registrar.deregisterService('web');
    assert.equal(status('alias'), 'critical');
    assert.match(state.check('alias')?.row.Output ?? '', /could not be found/);
    await runner.stop();
  });

  it('follow a service on another node through blocking reads of its checks', async () => {
    const clock = new ManualClock();
    const state = new LocalState(
      { clock },
      {
        node: { ID: 'id', Node: 'n1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
        checkUpdateIntervalMs: 0,
      },
    );
    const registrar = new Registrar(
      state,
      null,
      { nodeName: 'n1', sidecarMinPort: 21000, sidecarMaxPort: 21255 },
      silentLogger(),
    );
    const asked: number[] = [];
    let release: ((status: HealthStatus) => void) | null = null;
    const row = (status: HealthStatus) => ({
      Node: 'n2',
      CheckID: 'service:db',
      Name: 'db',
      Status: status,
      Output: status,
      ServiceID: 'db',
    });
    const rpc = {
      call: async (_method: string, _args: unknown, options: { query?: { minQueryIndex: number } }) => {
        const index = options.query?.minQueryIndex ?? 0;
        asked.push(index);
        const status: HealthStatus =
          index === 0 ? 'passing' : await new Promise<HealthStatus>((resolve) => (release = resolve));
        return { value: [row(status)], meta: { index: index + 5, knownLeader: true, lastContactMs: 0 } };
      },
    } as unknown as RpcClient;
    const runner = new CheckRunner(
      {
        clock,
        rand: new SeededRand(3),
        log: silentLogger(),
        state,
        rpc: () => rpc,
        deregisterService: async () => true,
      },
      { nodeName: 'n1', datacenter: 'dc1', scriptChecksEnabled: false },
    );
    await runner.start();
    await registrar.registerCheck(decodeCheckBody({ Name: 'db-alias', AliasNode: 'n2', AliasService: 'db' }, allow), {
      token: '',
      source: 'api',
    });
    clock.advance(0);
    await until(() => state.check('db-alias')?.row.Status === 'passing', 'the first read');
    clock.advance(remoteAliasGapMs);
    await until(() => release !== null, 'the blocking read');
    assert.deepEqual(asked, [0, 5], 'the second read blocks on the first answer index');
    release!('critical');
    await until(() => state.check('db-alias')?.row.Status === 'critical', 'the change on n2');
    await runner.stop();
  });

  it('reap a service critical for longer than deregister_critical_service_after', async () => {
    const { clock, registrar, runner, state } = await setup();
    await registrar.registerService(
      decodeServiceBody({ Name: 'web', Check: { TTL: '30s', DeregisterCriticalServiceAfter: '1m' } }, allow),
      { token: '', source: 'api' },
    );
    // Passes: 30 s first sees it critical, 60 s is under a minute since, 90 s reaps.
    const passesToReap: boolean[] = [];
    for (let pass = 1; pass <= 3; pass++) {
      clock.advance(reapIntervalMs);
      await settle();
      passesToReap.push(state.service('web') === undefined);
    }
    assert.deepEqual(passesToReap, [false, false, true]);
    await runner.stop();
  });
});
