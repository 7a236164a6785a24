// Proves `lattice debug` end to end on real processes, as an operator runs `consul debug`: against a dev agent on
// 127.39.0.1 (enable_debug on, a gossip key set) it prints Consul's progress lines and writes a .tar.gz holding
// index.json, agent/host/members JSON, the log stream as consul.log, metrics, a CPU profile that parses as a
// DevTools .cpuprofile and per-interval heap/handles folders, with the gossip key nowhere in it. Against an agent
// with enable_debug = false (127.39.0.2) the profiles are skipped with Consul's warning. Bad flags are refused with
// Consul's texts and write nothing. The capture minimums (10s duration, 5s interval) are lifted for these runs
// through LATTICE_DEBUG_SKIP_TIMING_MINIMUMS, an environment variable that exists for tests only.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extract } from 'tar';
import { type LatticeProcess, runLattice, startLattice, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const gossipKey = 'NsELVgskNhHi10/YKBg8eRcMq9oeTwOGEctKzafZ+pE=';
const testTiming = { LATTICE_DEBUG_SKIP_TIMING_MINIMUMS: '1' };
const intervalFolder = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/;

const started: LatticeProcess[] = [];
let work: TempDir;
before(async () => {
  work = await makeTempDir({ 'no-debug/debug.hcl': 'enable_debug = false\n' });
  const withDebug = startLattice(['agent', '-dev', '-bind=127.39.0.1', '-client=127.39.0.1', `-encrypt=${gossipKey}`]);
  const withoutDebug = startLattice([
    'agent',
    '-dev',
    '-bind=127.39.0.2',
    '-client=127.39.0.2',
    `-config-dir=${work.file('no-debug')}`,
  ]);
  started.push(withDebug, withoutDebug);
  await waitForHttp('http://127.39.0.1:8500/v1/agent/self', { process: withDebug });
  await waitForHttp('http://127.39.0.2:8500/v1/agent/self', { process: withoutDebug });
});
after(async () => {
  await Promise.all(started.map((agent) => agent.stop('SIGINT')));
  await work?.remove();
});

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(dir, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

describe('lattice debug', () => {
  it('captures everything from an agent with enable_debug into a .tar.gz bundle', async () => {
    const output = work.file('bundle-full');
    const result = await runLattice(
      ['debug', '-http-addr=127.39.0.1:8500', '-duration=3s', '-interval=1s', `-output=${output}`],
      { env: testTiming, deadlineMs: 30_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^==> Starting debugger and capturing static information\.\.\.$/m);
    assert.match(result.stdout, /^ {5}Agent Version: '\d+\.\d+\.\d+'$/m);
    assert.match(result.stdout, /^ {10}Interval: '1s'$/m);
    assert.match(result.stdout, /^ {10}Duration: '3s'$/m);
    assert.match(result.stdout, /^ {11}Capture: 'metrics, logs, pprof, host, agent, members'$/m);
    assert.match(result.stdout, /^==> Capture successful \d{4}-\d\d-\d\d [\d:.]+ \+0000 UTC \(0\)$/m);
    assert.match(result.stdout, /^ {4}Saved debug archive: .*bundle-full\.tar\.gz$/m);
    assert.equal(existsSync(output), false, 'the directory is removed once archived');

    const unpacked = work.file('unpacked-full');
    await import('node:fs/promises').then((fs) => fs.mkdir(unpacked));
    await extract({ file: `${output}.tar.gz`, cwd: unpacked });
    const bundle = join(unpacked, 'bundle-full');
    const files = filesUnder(bundle);
    for (const name of [
      'index.json',
      'agent.json',
      'host.json',
      'members.json',
      'consul.log',
      'metrics.json',
      'profile.cpuprofile',
    ])
      assert.ok(files.includes(name), `${name} in ${files.join(', ')}`);

    const index = JSON.parse(readFileSync(join(bundle, 'index.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(index['Version'], 1);
    assert.equal(index['Interval'], '1s');
    assert.equal(index['Duration'], '5s', "Consul's index holds the duration with its 2s grace");
    assert.deepEqual(index['Targets'], ['metrics', 'logs', 'pprof', 'host', 'agent', 'members']);
    assert.match(String(index['AgentVersion']), /^\d+\.\d+\.\d+$/);

    const profile = JSON.parse(readFileSync(join(bundle, 'profile.cpuprofile'), 'utf8')) as Record<string, unknown[]>;
    assert.ok(Array.isArray(profile['nodes']) && profile['nodes'].length > 0, 'the CPU profile has nodes');
    assert.ok(Array.isArray(profile['samples']) && Array.isArray(profile['timeDeltas']));
    const members = JSON.parse(readFileSync(join(bundle, 'members.json'), 'utf8')) as { Addr: string }[];
    assert.deepEqual(
      members.map((member) => member.Addr),
      ['127.39.0.1'],
    );
    const host = JSON.parse(readFileSync(join(bundle, 'host.json'), 'utf8')) as Record<string, unknown>;
    assert.ok(host['Memory'] && host['CPU'] && host['Host'] && host['Disk']);
    assert.match(readFileSync(join(bundle, 'consul.log'), 'utf8'), /Request finished/);

    const folders = readdirSync(bundle).filter((name) => intervalFolder.test(name));
    assert.ok(folders.length >= 1, 'one folder per interval');
    for (const folder of folders)
      assert.deepEqual(readdirSync(join(bundle, folder)).sort(), ['handles.json', 'heap.json', 'metrics.json']);

    const agent = readFileSync(join(bundle, 'agent.json'), 'utf8');
    assert.match(agent, /"EncryptKey": "hidden"/);
    for (const file of files)
      assert.doesNotMatch(readFileSync(join(bundle, file), 'utf8'), /NsELVgsk/, `${file} holds the gossip key`);
  });

  it("skips profiles with Consul's warning when the agent has enable_debug = false", async () => {
    const output = work.file('bundle-no-debug');
    const result = await runLattice(
      ['debug', '-http-addr=127.39.0.2:8500', '-duration=2s', '-interval=1s', `-output=${output}`, '-archive=false'],
      { env: testTiming, deadlineMs: 30_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^\[WARN\] Unable to capture pprof\. Set enable_debug to true on target agent to enable profiling\.$/m,
    );
    assert.match(result.stdout, /^ {11}Capture: 'metrics, logs, host, agent, members'$/m);
    const files = filesUnder(output);
    assert.ok(files.includes('consul.log') && files.includes('agent.json'), files.join(', '));
    assert.ok(!files.includes('profile.cpuprofile'), 'no CPU profile');
    assert.ok(!files.some((file) => /heap\.json|handles\.json/.test(file)), 'no heap or handles');
    const index = JSON.parse(readFileSync(join(output, 'index.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(index['Targets'], ['metrics', 'logs', 'host', 'agent', 'members']);
    const profile = await fetch('http://127.39.0.2:8500/debug/node/profile?seconds=1');
    assert.equal(profile.status, 404, 'the agent does not serve profiles without enable_debug');
  });

  it("refuses bad flags with Consul's texts and writes nothing", async () => {
    const output = work.file('refused');
    const refusals: [string[], Record<string, string>, RegExp][] = [
      [['-interval=1s'], {}, /^==> Capture validation failed: interval must be longer than 5s$/m],
      [['-duration=5s'], {}, /^==> Capture validation failed: duration must be longer than 10s$/m],
      [
        ['-duration=20s', '-interval=30s'],
        {},
        /^==> Capture validation failed: duration \(20s\) must be longer than interval \(30s\)$/m,
      ],
      [['-capture=bogus'], {}, /^==> Capture validation failed: target not found: bogus$/m],
      [['-duration=soon'], {}, /invalid duration "soon"/],
      [['extra'], {}, /^==> debug: Too many arguments provided, expected 0$/m],
      [['-since=1h'], {}, /^lattice debug -since \(Consul's hcdiag run\) is not implemented yet$/m],
    ];
    for (const [flags, env, expected] of refusals) {
      const result = await runLattice(['debug', '-http-addr=127.39.0.1:8500', `-output=${output}`, ...flags], { env });
      assert.equal(result.code, 1, `${flags.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, expected);
      assert.equal(existsSync(output), false, `${flags.join(' ')} wrote nothing`);
    }
    const existing = work.file('no-debug');
    const result = await runLattice(['debug', '-http-addr=127.39.0.1:8500', `-output=${existing}`], {
      env: testTiming,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^==> Capture validation failed: output directory already exists: .*no-debug$/m);
    assert.deepEqual(readdirSync(existing), ['debug.hcl'], 'the existing directory is untouched');
  });
});
