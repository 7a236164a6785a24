// Proves the catalog, operator and snapshot commands of the `lattice` CLI against a `lattice agent -dev` on its own
// loopback address: tables and JSON that show what the HTTP API holds, Consul's flags (-service, -tags,
// -detailed), a usage error for remove-peer without -id or -address, and a snapshot saved, inspected offline and
// restored so that a node deleted in between comes back.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitFor } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const address = '127.0.0.31';
const base = `http://${address}:8500`;
const httpAddr = `-http-addr=${address}:8500`;
let agent: LatticeProcess;
let dir: TempDir;

async function put(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${base}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

async function cli(...args: string[]): Promise<string> {
  const result = await runLattice(args);
  assert.equal(result.code, 0, `lattice ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

before(async () => {
  dir = await makeTempDir();
  agent = startLattice(['agent', '-dev', `-bind=${address}`, `-client=${address}`, '-node=cli-node']);
  await waitFor(
    async () => {
      if (agent.hasExited) throw new Error(`lattice exited\n${agent.output}`);
      const response = await fetch(`${base}/v1/status/leader`).catch(() => null);
      return response?.ok && (await response.json()) !== '';
    },
    { what: 'a -dev agent with a leader' },
  );
  await put('/v1/catalog/register', {
    Node: 'ext-cli',
    Address: '10.30.0.1',
    NodeMeta: { rack: 'r7' },
    Service: { ID: 'web-1', Service: 'web', Port: 80, Tags: ['v2', 'blue'] },
  });
});

after(async () => {
  if (agent && !agent.hasExited) await agent.stop('SIGINT');
  await dir?.remove();
});

describe('lattice catalog', () => {
  it('datacenters prints the one datacenter', async () => {
    assert.equal(await cli('catalog', 'datacenters', httpAddr), 'dc1\n');
  });

  it('nodes prints a table, -detailed the metadata, -service only its nodes, -format=json the API rows', async () => {
    const table = await cli('catalog', 'nodes', httpAddr);
    assert.match(table, /^Node\s+ID\s+Address\s+DC$/m);
    // A node registered through the catalog without an ID shows an empty ID column.
    assert.match(table, /^ext-cli\s+10\.30\.0\.1\s+dc1$/m);
    assert.match(table, /^cli-node\s+/m);
    assert.match(await cli('catalog', 'nodes', '-detailed', httpAddr), /rack=r7/);
    const forWeb = await cli('catalog', 'nodes', '-service=web', httpAddr);
    assert.match(forWeb, /^ext-cli\s/m);
    assert.doesNotMatch(forWeb, /^cli-node\s/m);
    const json = JSON.parse(await cli('catalog', 'nodes', '-format=json', httpAddr)) as { Node: string }[];
    assert.deepEqual(json.map((node) => node.Node).sort(), ['cli-node', 'ext-cli']);
  });

  it('services prints names, -tags their tags', async () => {
    assert.equal(await cli('catalog', 'services', httpAddr), 'consul\nweb\n');
    assert.match(await cli('catalog', 'services', '-tags', httpAddr), /^web\s+blue,v2$/m);
    assert.match(await cli('catalog', 'services', '-node=ext-cli', httpAddr), /^web$/m);
  });

  it('reports an unreachable agent with exit status 1', async () => {
    const result = await runLattice(['catalog', 'nodes', '-http-addr=127.0.0.31:1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot reach the agent/);
  });
});

describe('lattice operator raft', () => {
  it('list-peers shows the dev server as leader', async () => {
    assert.match(
      await cli('operator', 'raft', 'list-peers', httpAddr),
      /^cli-node\s+\S+\s+127\.0\.0\.31:8300\s+leader\s+true\s+3$/m,
    );
  });

  it('remove-peer needs exactly one of -id and -address', async () => {
    const result = await runLattice(['operator', 'raft', 'remove-peer', httpAddr]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /exactly one of -id or -address/);
  });
});

describe('lattice snapshot', () => {
  it('saves, inspects offline and restores the catalog', async () => {
    const file = dir.file('backup.snap');
    assert.match(await cli('snapshot', 'save', file, httpAddr), /^Saved and verified snapshot to index \d+$/m);
    const summary = JSON.parse(await cli('snapshot', 'inspect', '-format=json', file)) as {
      Index: number;
      Tables: Record<string, number>;
    };
    assert.equal(summary.Tables['nodes'], 2);
    assert.ok(summary.Index > 0);
    assert.match(await cli('snapshot', 'inspect', file), /^nodes\s+2$/m);

    await put('/v1/catalog/deregister', { Node: 'ext-cli' });
    const without = (await (await fetch(`${base}/v1/catalog/nodes`)).json()) as { Node: string }[];
    assert.ok(!without.some((node) => node.Node === 'ext-cli'));

    assert.match(await cli('snapshot', 'restore', file, httpAddr), /^Restored snapshot$/m);
    const restored = (await (await fetch(`${base}/v1/catalog/nodes`)).json()) as { Node: string }[];
    assert.ok(restored.some((node) => node.Node === 'ext-cli'));
  });

  it('refuses to inspect a damaged file', async () => {
    const file = dir.file('damaged.snap');
    await writeFile(file, 'not a snapshot');
    const result = await runLattice(['snapshot', 'inspect', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error inspecting snapshot: /);
    // Consul's wordings (command/snapshot/restore): a file that cannot be opened, and one the servers would refuse.
    const missing = await runLattice(['snapshot', 'restore', dir.file('missing.snap'), httpAddr]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error opening snapshot file: ENOENT/);
    const damaged = await runLattice(['snapshot', 'restore', file, httpAddr]);
    assert.equal(damaged.code, 1);
    assert.match(damaged.stderr, /^Error restoring snapshot: /);
  });
});
