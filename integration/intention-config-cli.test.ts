// Proves `lattice intention` and `lattice config` behave as consul intention / consul config do, through the binary
// against a `lattice agent -dev` on 127.0.0.245: list with no intentions says so on stderr with exit 2; create
// (-deny, repeatable -meta, -file - from stdin with an L7 intention printed as "(1 permission)", -replace); get by
// pair and by ID (any single argument is an ID; Consul's not-found wording); check exits 0 allowed, 1 denied and 2 on
// a usage error or an unknown -source-type; match prints String() lines; delete with Consul's argument errors.
// config: write from stdin, -cas with the default -modify-index 0 refusing an existing entry, a payload without Kind
// refused before any call, read's Consul error for a missing entry, list -filter, and delete -cas (which needs a
// -modify-index above 0) / plain delete.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  type LatticeProcess,
  latticeBinary,
  type RunResult,
  repositoryRoot,
  runLattice,
  startLattice,
  waitForHttp,
} from './helpers/lattice-process.js';

const host = '127.0.0.245';
const env = { CONSUL_HTTP_ADDR: `${host}:8500` };
let agent: LatticeProcess | null = null;

const lattice = (...args: string[]) => runLattice(args, { env });

/** Runs the CLI with `input` on standard input. */
function latticeWithInput(input: string, ...args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [latticeBinary, ...args], {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('lattice intention and lattice config against consul intention / consul config', () => {
  before(async () => {
    agent = startLattice(['agent', '-dev', `-bind=${host}`, `-client=${host}`]);
    await waitForHttp(`http://${host}:8500/v1/agent/self`, { process: agent, deadlineMs: 30_000 });
  });

  after(async () => {
    if (agent && !agent.hasExited) await agent.stop().catch(() => agent?.kill());
  });

  it('creates, shows, checks, matches, lists and deletes intentions with Consul output and exit codes', async () => {
    const empty = await lattice('intention', 'list');
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [2, '', 'There are no intentions.\n']);

    const created = await lattice('intention', 'create', '-deny', '-meta', 'team=a', '-meta', 'x=y', 'web', 'db');
    assert.deepEqual([created.code, created.stdout], [0, 'Created: web => db (deny)\n'], created.stderr);
    const duplicate = await lattice('intention', 'create', 'web', 'db');
    assert.deepEqual(
      [duplicate.code, duplicate.stderr],
      [
        1,
        'Error creating intention "web => db (allow)": Unexpected response code: 500 (Sources[1] defines "web" more than once)\n',
      ],
    );

    const shown = await lattice('intention', 'get', 'web', 'db');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Source: {7}web\nDestination: {2}db\nAction: {7}deny\nID: {11}\S+\n/);
    assert.match(shown.stdout, /Meta\[team\]: {3}a\nMeta\[x\]: {6}y\nCreated At: {3}\w+day, \d\d-\w{3}-\d\d /);
    const id = /ID: +(\S+)/.exec(shown.stdout)?.[1] as string;
    assert.equal((await lattice('intention', 'get', id)).stdout, shown.stdout, 'one argument is an ID');
    const missing = await lattice('intention', 'get', 'not-an-id');
    assert.deepEqual([missing.code, missing.stderr], [1, 'Intention not found with ID "not-an-id"\n']);

    const denied = await lattice('intention', 'check', 'web', 'db');
    assert.deepEqual([denied.code, denied.stdout], [1, 'Denied\n']);
    const allowed = await lattice('intention', 'check', 'web', 'other');
    assert.deepEqual([allowed.code, allowed.stdout], [0, 'Allowed\n']);
    const oneArgument = await lattice('intention', 'check', 'web');
    assert.deepEqual(
      [oneArgument.code, oneArgument.stderr],
      [2, 'Error: command requires exactly two arguments: src and dst\n'],
    );
    const badType = await lattice('intention', 'check', '-source-type', 'bogus', 'web', 'db');
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /-source-type "bogus" is not supported/);

    const replaced = await lattice('intention', 'create', '-replace', '-allow', 'web', 'db');
    assert.deepEqual([replaced.code, replaced.stdout], [0, ''], 'Consul prints nothing when -replace overwrote');
    // One written through the exact endpoint has no ID to update by: -replace goes through the exact endpoint.
    // (Its own destination: an exact write turns db's entry into a config entry, which the legacy -meta on web => db
    // would refuse, as Consul does.)
    const exact = await fetch(`http://${host}:8500/v1/connect/intentions/exact?source=ops&destination=cache`, {
      method: 'PUT',
      body: JSON.stringify({ Action: 'allow' }),
    });
    assert.equal(exact.status, 200);
    const replacedExact = await lattice('intention', 'create', '-replace', '-deny', 'ops', 'cache');
    assert.deepEqual([replacedExact.code, replacedExact.stdout], [0, ''], replacedExact.stderr);
    assert.equal(
      (await lattice('intention', 'check', 'ops', 'cache')).code,
      1,
      '-replace turned the allow into a deny',
    );
    // Consul ≥ 1.9: the legacy create refuses a destination stored as a config entry.
    const legacyOnExact = await lattice('intention', 'create', '-allow', 'web', 'cache');
    assert.deepEqual(
      [legacyOnExact.code, legacyOnExact.stderr],
      [
        1,
        'Error creating intention "web => cache (allow)": Unexpected response code: 500 (cannot use legacy intention API to edit intentions with a destination of "cache" after editing them via a service-intentions config entry)\n',
      ],
    );
    assert.equal((await lattice('intention', 'delete', 'ops', 'cache')).stdout, 'Intention deleted.\n');
    assert.equal((await lattice('intention', 'check', 'web', 'db')).code, 0, '-replace turned the deny into an allow');

    const http = await latticeWithInput(
      'Kind = "service-defaults"\nName = "db"\nProtocol = "http"\n',
      'config',
      'write',
      '-',
    );
    assert.deepEqual([http.code, http.stdout], [0, 'Config entry written: service-defaults/db\n'], http.stderr);
    const l7 = await latticeWithInput(
      JSON.stringify({
        SourceName: 'api',
        DestinationName: 'db',
        Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v1' } }],
      }),
      'intention',
      'create',
      '-file',
      '-',
    );
    assert.deepEqual([l7.code, l7.stdout], [0, 'Created: api => db (1 permission)\n'], l7.stderr);
    const l7Shown = await lattice('intention', 'get', 'api', 'db');
    assert.doesNotMatch(l7Shown.stdout, /^Action:/m, 'an L7 intention has no Action row');
    assert.match(l7Shown.stdout, /\nPermissions:\n\[\n/);

    const matched = await lattice('intention', 'match', 'db');
    assert.deepEqual([matched.code, matched.stdout], [0, 'api => db (1 permission)\nweb => db (allow)\n']);
    const bySource = await lattice('intention', 'match', '-source', 'web');
    assert.equal(bySource.stdout, 'web => db (allow)\n');
    const both = await lattice('intention', 'match', '-source', '-destination', 'web');
    assert.deepEqual([both.code, both.stderr], [1, 'Error: only one of -source or -destination may be specified\n']);

    const listed = await lattice('intention', 'list');
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /^ID +Source +Action +Destination +Precedence\n/);
    const l7Row = listed.stdout.split('\n').find((line) => / api /.test(line));
    assert.match(l7Row ?? '', /^\S+ +api +db +9$/, 'a blank Action column for the L7 intention');

    const badDelete = await lattice('intention', 'delete', 'a', 'b', 'c');
    assert.deepEqual([badDelete.code, badDelete.stderr], [1, 'command requires exactly 1 or 2 arguments\n']);
    assert.equal((await lattice('intention', 'delete', 'web', 'db')).stdout, 'Intention deleted.\n');
    assert.equal((await lattice('intention', 'delete', 'api', 'db')).stdout, 'Intention deleted.\n');
  });

  it('writes, reads, lists and deletes config entries with Consul flags and errors', async () => {
    const entry = 'Kind = "service-defaults"\nName = "billing"\nProtocol = "grpc"\n';
    assert.equal((await latticeWithInput(entry, 'config', 'write', '-')).code, 0);
    const casExisting = await latticeWithInput(entry, 'config', 'write', '-cas', '-');
    assert.deepEqual(
      [casExisting.code, casExisting.stderr],
      [1, 'Config entry not updated: service-defaults/billing\n'],
    );
    const noKind = await latticeWithInput('{"Name": "x"}', 'config', 'write', '-');
    assert.deepEqual(
      [noKind.code, noKind.stderr],
      [1, 'Failed to decode config entry input: Payload does not contain a kind/Kind key at the top level\n'],
    );
    const noFile = await lattice('config', 'write');
    assert.equal(noFile.stderr, 'Must provide exactly one positional argument to specify the config entry to write\n');

    const read = await lattice('config', 'read', '-kind', 'service-defaults', '-name', 'billing');
    assert.equal(read.code, 0, read.stderr);
    assert.equal((JSON.parse(read.stdout) as { Protocol: string }).Protocol, 'grpc');
    const missing = await lattice('config', 'read', '-kind', 'service-defaults', '-name', 'nope');
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^Error reading config entry "service-defaults" \/ "nope": Unexpected response code: 404/,
    );

    const filtered = await lattice('config', 'list', '-kind', 'service-defaults', '-filter', 'Protocol == "grpc"');
    assert.deepEqual([filtered.code, filtered.stdout], [0, 'billing\n'], filtered.stderr);
    const none = await lattice('config', 'list', '-kind', 'service-defaults', '-filter', 'Protocol == "tcp"');
    assert.deepEqual([none.code, none.stdout], [0, '']);

    const casNoIndex = await lattice('config', 'delete', '-kind', 'service-defaults', '-name', 'billing', '-cas');
    assert.deepEqual(
      [casNoIndex.code, casNoIndex.stderr],
      [1, 'Must specify a -modify-index greater than 0 with -cas\n'],
    );
    const casDelete = await lattice(
      ...['config', 'delete', '-kind', 'service-defaults', '-name', 'billing', '-cas', '-modify-index', '1'],
    );
    assert.deepEqual([casDelete.code, casDelete.stderr], [1, 'Config entry not deleted: service-defaults/billing\n']);
    const deleted = await lattice('config', 'delete', '-kind', 'service-defaults', '-name', 'billing');
    assert.deepEqual([deleted.code, deleted.stdout], [0, 'Config entry deleted: service-defaults/billing\n']);
  });
});
