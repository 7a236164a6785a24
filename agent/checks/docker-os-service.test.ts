// Docker and os_service checks. Docker: against a fake Docker Engine API on a unix socket in a temp dir: the exec is
// created in the named container with the check's args, started (Tty, not detached) and inspected; exit 0/1/other
// map to passing/warning/critical with the exec's output (its last output_max_size bytes, with Consul's note);
// unknown, paused and unreachable engines answer Consul's texts; DOCKER_HOST unix:// and tcp:// (127.0.0.246) are
// read as Consul's ParseHost reads them. os_service: systemd's answer mapped as Consul's Windows check maps the
// service manager's (running passing, stopped critical, pending warning, no answer warning, timeout critical),
// through an injected query and through a fake `systemctl` on PATH. The runner runs both kinds on schedule.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import type { CheckDefinition } from '../config/types.js';
import { decodeCheckBody, ScriptChecksDisabledError } from '../local/decode.js';
import { makeCheckDefinition } from '../local/registrar.js';
import { localStateForN1 } from '../testing/local-fixtures.js';
import { until } from '../testing/wait.js';
import { dockerProbe, parseDockerHost } from './docker.js';
import { type ActiveStateQuery, osServiceProbe, systemctlIsActive } from './os-service.js';
import { CheckRunner } from './runner.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const never = new AbortController().signal;
const definition = (fields: Partial<CheckDefinition>): CheckDefinition =>
  makeCheckDefinition({ id: 'c', name: 'c', kind: 'docker', intervalMs: 1000, ...fields });

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lattice-checks-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Exec {
  readonly container: string;
  readonly cmd: readonly string[];
  readonly output: string;
  readonly exitCode: number;
}

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly host: string;
  readonly body: unknown;
}

/** A Docker Engine API that knows containers by ID, each with the output and exit code its execs produce. */
async function fakeEngine(
  containers: Record<string, { output: string; exitCode: number } | 'paused'>,
  listenOn: { readonly socketPath: string } | { readonly host: string },
) {
  const seen: Seen[] = [];
  const execs = new Map<string, Exec>();
  let next = 0;
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text === '' ? null : (JSON.parse(text) as unknown);
      const url = request.url ?? '';
      seen.push({ method: request.method ?? '', url, host: request.headers.host ?? '', body });
      const reply = (status: number, payload: string): void => {
        response.statusCode = status;
        response.end(payload);
      };
      const create = /^(?:\/base)?\/containers\/([^/]+)\/exec$/.exec(url);
      if (request.method === 'POST' && create) {
        const container = decodeURIComponent(create[1]!);
        const known = containers[container];
        if (known === undefined) return reply(404, '{"message":"No such container"}');
        if (known === 'paused') return reply(409, '{"message":"Container is paused"}');
        const id = `exec-${++next}`;
        execs.set(id, { container, cmd: (body as { Cmd: string[] }).Cmd, ...known });
        return reply(201, JSON.stringify({ Id: id }));
      }
      const start = /^(?:\/base)?\/exec\/([^/]+)\/start$/.exec(url);
      if (request.method === 'POST' && start) {
        const exec = execs.get(start[1]!);
        return exec ? reply(200, exec.output) : reply(404, '{"message":"No such exec instance"}');
      }
      const inspect = /^(?:\/base)?\/exec\/([^/]+)\/json$/.exec(url);
      if (request.method === 'GET' && inspect) {
        const exec = execs.get(inspect[1]!);
        return exec ? reply(200, JSON.stringify({ ExitCode: exec.exitCode, Running: false })) : reply(404, '{}');
      }
      return reply(500, 'unexpected request');
    });
  });
  if ('socketPath' in listenOn) await new Promise<void>((resolve) => server.listen(listenOn.socketPath, resolve));
  else await new Promise<void>((resolve) => server.listen(0, listenOn.host, resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { seen, execs, port: 'socketPath' in listenOn ? 0 : (server.address() as AddressInfo).port };
}

describe('Docker check', () => {
  it('runs args in the container over the engine socket and maps the exit code', async () => {
    const socketPath = join(await tempDir(), 'docker.sock');
    const engine = await fakeEngine(
      {
        web: { output: 'all good\n', exitCode: 0 },
        slowdb: { output: 'lagging', exitCode: 1 },
        db: { output: 'down', exitCode: 2 },
        frozen: 'paused',
      },
      { socketPath },
    );
    const host = `unix://${socketPath}`;
    const run = (container: string) =>
      dockerProbe(definition({ dockerContainerId: container, args: ['/bin/check', '-v'] }), host)(never);

    assert.deepEqual(await run('web'), { status: 'passing', output: 'all good\n' });
    assert.deepEqual(engine.seen.slice(0, 3), [
      {
        method: 'POST',
        url: '/containers/web/exec',
        host: 'docker',
        body: { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ['/bin/check', '-v'] },
      },
      { method: 'POST', url: '/exec/exec-1/start', host: 'docker', body: { Detach: false, Tty: true } },
      { method: 'GET', url: '/exec/exec-1/json', host: 'docker', body: null },
    ]);
    assert.deepEqual(await run('slowdb'), { status: 'warning', output: 'lagging' });
    assert.deepEqual(await run('db'), { status: 'critical', output: 'down' });
    assert.deepEqual(await run('gone'), {
      status: 'critical',
      output: 'create exec failed for unknown container gone',
    });
    assert.deepEqual(await run('frozen'), {
      status: 'critical',
      output: 'create exec failed since container frozen is paused or stopped',
    });
  });

  it("keeps the output's last output_max_size bytes with Consul's note", async () => {
    const socketPath = join(await tempDir(), 'docker.sock');
    await fakeEngine({ chatty: { output: `${'a'.repeat(10)}${'b'.repeat(8)}`, exitCode: 0 } }, { socketPath });
    const probe = dockerProbe(
      definition({ dockerContainerId: 'chatty', args: ['x'], outputMaxSizeBytes: 8 }),
      `unix://${socketPath}`,
    );
    assert.deepEqual(await probe(never), { status: 'passing', output: 'Captured 8 of 18 bytes\n...\nbbbbbbbb' });
  });

  it('reaches a tcp:// engine with its base path, and reports an engine that is not there', async () => {
    const engine = await fakeEngine({ api: { output: 'ok', exitCode: 0 } }, { host: '127.0.0.246' });
    const probe = dockerProbe(
      definition({ dockerContainerId: 'api', args: ['true'] }),
      `tcp://127.0.0.246:${engine.port}/base`,
    );
    assert.deepEqual(await probe(never), { status: 'passing', output: 'ok' });
    assert.equal(engine.seen[0]?.url, '/base/containers/api/exec');

    const missing = join(await tempDir(), 'nothing.sock');
    const down = await dockerProbe(
      definition({ dockerContainerId: 'api', args: ['true'] }),
      `unix://${missing}`,
    )(never);
    assert.equal(down.status, 'critical');
    assert.match(down.output, /^create exec failed for container api: .*ENOENT/);
  });

  it("reads DOCKER_HOST as Consul's ParseHost does", () => {
    assert.deepEqual(parseDockerHost(''), { socketPath: '/var/run/docker.sock', basePath: '' });
    assert.deepEqual(parseDockerHost('tcp://10.1.2.3:2376'), { host: '10.1.2.3', port: 2376, basePath: '' });
    assert.throws(
      () => parseDockerHost('/var/run/docker.sock'),
      /^Error: unable to parse docker host `\/var\/run\/docker.sock`$/,
    );
    assert.throws(() => parseDockerHost('ssh://me@host'), /unsupported docker host protocol "ssh"/);
  });
});

const osService = (fields: Partial<CheckDefinition> = {}): CheckDefinition =>
  makeCheckDefinition({
    id: 'os',
    name: 'os',
    kind: 'os_service',
    osService: 'nginx',
    intervalMs: 1000,
    timeoutMs: 10_000,
    ...fields,
  });

describe('os_service check', () => {
  it("maps systemd's answer as Consul maps the service manager's", async () => {
    const answers: Record<string, { state: string; exitCode: number }> = {
      nginx: { state: 'active', exitCode: 0 },
      stopped: { state: 'inactive', exitCode: 3 },
      crashed: { state: 'failed', exitCode: 3 },
      starting: { state: 'activating', exitCode: 3 },
    };
    const asked: string[] = [];
    const query: ActiveStateQuery = async (service) => {
      asked.push(service);
      const answer = answers[service];
      if (!answer) throw new Error('spawn systemctl ENOENT');
      return answer;
    };
    const run = (name: string) => osServiceProbe(osService({ osService: name }), query)(never);
    assert.deepEqual(await run('nginx'), { status: 'passing', output: 'Service "nginx" is healthy' });
    assert.deepEqual(await run('stopped'), {
      status: 'critical',
      output: 'service status: inactive - OS Service unhealthy',
    });
    assert.deepEqual(await run('crashed'), {
      status: 'critical',
      output: 'service status: failed - OS Service unhealthy',
    });
    assert.deepEqual(await run('starting'), { status: 'warning', output: 'service status: activating' });
    assert.deepEqual(await run('nosystemd'), {
      status: 'warning',
      output: 'error querying service status: spawn systemctl ENOENT',
    });
    assert.deepEqual(asked, ['nginx', 'stopped', 'crashed', 'starting', 'nosystemd']);
  });

  it('is critical when the service manager does not answer within the timeout', async () => {
    const hang: ActiveStateQuery = (_service, signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const controller = new AbortController();
    const result = osServiceProbe(osService({ timeoutMs: 30_000 }), hang)(controller.signal);
    controller.abort();
    assert.deepEqual(await result, { status: 'critical', output: 'Timed out (30s) running check' });
  });

  it('asks a systemctl found on PATH with is-active', async () => {
    const dir = await tempDir();
    const log = join(dir, 'calls');
    await writeFile(
      join(dir, 'systemctl'),
      `#!/bin/sh\necho "$@" >> ${log}\nif [ "$3" = nginx ]; then echo active; exit 0; fi\necho inactive\nexit 3\n`,
    );
    await chmod(join(dir, 'systemctl'), 0o755);
    const previous = process.env['PATH'];
    process.env['PATH'] = `${dir}:${previous ?? ''}`;
    try {
      assert.deepEqual(await systemctlIsActive('nginx', never), { state: 'active', exitCode: 0 });
      assert.deepEqual(await osServiceProbe(osService({ osService: 'redis' }))(never), {
        status: 'critical',
        output: 'service status: inactive - OS Service unhealthy',
      });
    } finally {
      process.env['PATH'] = previous;
    }
    const { readFile } = await import('node:fs/promises');
    assert.equal(await readFile(log, 'utf8'), 'is-active -- nginx\nis-active -- redis\n');
    // A machine without systemd as PID 1: systemctl prints nothing on stdout and complains on stderr.
    await writeFile(
      join(dir, 'systemctl'),
      '#!/bin/sh\necho "System has not been booted with systemd as init system (PID 1). Can\'t operate." >&2\nexit 1\n',
    );
    process.env['PATH'] = `${dir}:${previous ?? ''}`;
    try {
      assert.deepEqual(await osServiceProbe(osService())(never), {
        status: 'warning',
        output:
          "error querying service status: System has not been booted with systemd as init system (PID 1). Can't operate.",
      });
    } finally {
      process.env['PATH'] = previous;
    }
  });
});

describe('the runner with Docker and os_service checks', () => {
  it('runs both on schedule', async () => {
    const socketPath = join(await tempDir(), 'docker.sock');
    await fakeEngine({ web: { output: 'fine', exitCode: 0 } }, { socketPath });
    const clock = new ManualClock();
    const { state, registrar } = localStateForN1(clock);
    const runner = new CheckRunner(
      {
        clock,
        rand: new SeededRand(5),
        log: silentLogger(),
        state,
        rpc: () => null,
        deregisterService: (id) => registrar.deregisterService(id),
      },
      {
        nodeName: 'n1',
        datacenter: 'dc1',
        scriptChecksEnabled: true,
        dockerHost: `unix://${socketPath}`,
        osServiceQuery: async () => ({ state: 'inactive', exitCode: 3 }),
      },
    );
    await runner.start();
    const allow = { scriptChecksAllowed: true };
    const api = { token: '', source: 'api' } as const;
    await registrar.registerCheck(
      decodeCheckBody({ Name: 'in-container', DockerContainerID: 'web', Args: ['true'], Interval: '10s' }, allow),
      api,
    );
    await registrar.registerCheck(decodeCheckBody({ Name: 'unit', OSService: 'nginx', Interval: '10s' }, allow), api);
    clock.advance(10_000); // the first run falls inside the first interval
    await until(() => state.check('in-container')?.row.Status === 'passing', 'the Docker check to pass');
    assert.equal(state.check('in-container')?.row.Output, 'fine');
    await until(
      () => state.check('unit')?.row.Output === 'service status: inactive - OS Service unhealthy',
      'the os_service result',
    );
    assert.equal(state.check('unit')?.row.Status, 'critical');
    await runner.stop();
  });

  it('does not run a Docker check while scripts are off, as Consul gates it with them', async () => {
    const clock = new ManualClock();
    const { state, registrar } = localStateForN1(clock);
    const runner = new CheckRunner(
      {
        clock,
        rand: new SeededRand(5),
        log: silentLogger(),
        state,
        rpc: () => null,
        deregisterService: async () => undefined,
      },
      { nodeName: 'n1', datacenter: 'dc1', scriptChecksEnabled: false },
    );
    await runner.start();
    await registrar.registerCheck(
      decodeCheckBody(
        { Name: 'd', DockerContainerID: 'web', Args: ['true'], Interval: '10s' },
        { scriptChecksAllowed: true },
      ),
      { token: '', source: 'api' },
    );
    assert.equal(state.check('d')?.row.Output, 'Script checks are disabled on this agent');
    assert.throws(
      () =>
        decodeCheckBody(
          { Name: 'd', DockerContainerID: 'web', Args: ['true'], Interval: '10s' },
          { scriptChecksAllowed: false },
        ),
      ScriptChecksDisabledError,
    );
    assert.throws(
      () => decodeCheckBody({ Name: 'd', DockerContainerID: 'web', Interval: '10s' }, { scriptChecksAllowed: true }),
      /a Docker check needs args/,
    );
    await runner.stop();
  });
});
