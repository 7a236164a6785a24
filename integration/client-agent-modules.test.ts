// Guards the client agent's memory (issue 5: RSS per agent): a real client agent on 127.20.0.201, joined to a server
// on 127.20.0.200, runs under the module-load trace (lib/testing/module-trace) and does a client's everyday work:
// it joins, syncs its node to the catalog, registers a service, answers local and forwarded reads and a read-only
// transaction. None of that may load the code a client never needs until asked: the certificate library
// (@peculiar/x509), the state store, the server runtime, Raft and its storage, the service proxy, the YAML parser,
// the other CLI commands, the DNS interface (DNS is off). Then a Connect leaf request must load @peculiar/x509 (and work), which also shows that the
// trace sees modules imported later, so the first check cannot pass for want of seeing them.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type LatticeProcess, startLattice, waitFor, waitForHttp } from './helpers/lattice-process.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const serverHost = '127.20.0.200';
const clientHost = '127.20.0.201';
const client = `http://${clientHost}:8500`;
const deadlineMs = 60_000;
const traceHooks = fileURLToPath(new URL('../lib/testing/module-trace/register.js', import.meta.url));

/** Module URL fragments a client agent must not load for its everyday work. */
const notForClients: readonly string[] = [
  '/node_modules/@peculiar/x509/',
  '/node_modules/reflect-metadata/',
  '/dist/connect/ca/',
  '/dist/server/state/index.js',
  '/dist/server/state/store.js',
  '/dist/server/server.js',
  '/dist/server/fsm/',
  '/dist/server/endpoints/',
  '/dist/raft/node.js',
  '/dist/raft/storage/',
  '/node_modules/level/',
  '/dist/proxy/service-proxy.js',
  '/node_modules/yaml/',
  '/node_modules/js-hcl-parser/',
  // DNS is off here (-dns-port=-1): its interface is imported as it starts.
  '/dist/agent/dns/',
  '/node_modules/dns-packet/',
  '/dist/bin/commands/debug-raft-kv.js',
  '/dist/bin/commands/simulate.js',
  '/dist/bin/commands/snapshot.js',
  '/dist/sim/',
];

const processes: LatticeProcess[] = [];
let dir: TempDir;

function agentArgs(name: string, host: string, extra: readonly string[]): string[] {
  return [
    'agent',
    `-node=${name}`,
    `-bind=${host}`,
    `-client=${host}`,
    `-data-dir=${dir.file(name)}`,
    '-dns-port=-1',
    '-serf-wan-port=-1',
    ...extra,
  ];
}

async function loadedModules(): Promise<string[]> {
  return (await readFile(dir.file('client.modules'), 'utf8')).split('\n').filter(Boolean);
}

async function ok(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(`${client}${path}`, init);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return response;
}

describe('a client agent loads only what it uses', () => {
  before(async () => {
    dir = await makeTempDir();
    const server = startLattice(agentArgs('modules-server', serverHost, ['-server', '-bootstrap']));
    processes.push(server);
    await waitForHttp(`http://${serverHost}:8500/v1/status/leader`, {
      process: server,
      deadlineMs,
      accept: (response) => response.ok && response.headers.get('content-length') !== '2',
    });
    const clientAgent = startLattice(agentArgs('modules-client', clientHost, [`-retry-join=${serverHost}`]), {
      env: { NODE_OPTIONS: `--import=${traceHooks}`, LATTICE_MODULE_TRACE: dir.file('client.modules') },
    });
    processes.push(clientAgent);
    await waitFor(
      async () => {
        if (clientAgent.hasExited) throw new Error(`the client agent exited\n${clientAgent.output}`);
        const response = await fetch(`http://${serverHost}:8500/v1/catalog/nodes`).catch(() => null);
        if (!response?.ok) return false;
        return ((await response.json()) as { Node: string }[]).some((node) => node.Node === 'modules-client');
      },
      { deadlineMs, what: 'the client agent in the server catalog' },
    );
  });

  after(async () => {
    for (const process of processes) if (!process.hasExited) process.kill();
    await dir?.remove();
  });

  it('serves a client’s everyday requests without loading server, CA, proxy or other commands’ code', async () => {
    await ok('/v1/agent/service/register', {
      method: 'PUT',
      body: JSON.stringify({ Name: 'web', Port: 8080, Check: { TTL: '30s' } }),
    });
    await ok('/v1/agent/self');
    await ok('/v1/agent/members');
    await ok('/v1/catalog/nodes');
    await waitFor(
      async () => {
        const response = await fetch(`${client}/v1/catalog/service/web`);
        return response.ok && ((await response.json()) as unknown[]).length === 1;
      },
      { deadlineMs, what: 'the registered service in the catalog' },
    );
    await ok('/v1/txn', { method: 'PUT', body: JSON.stringify([{ KV: { Verb: 'get-tree', Key: 'none/' } }]) });

    const loaded = await loadedModules();
    assert.ok(
      loaded.some((url) => url.endsWith('/dist/agent/agent.js')),
      `the trace saw the agent load (${loaded.length} modules)`,
    );
    const unexpected = loaded.filter((url) => notForClients.some((fragment) => url.includes(fragment)));
    assert.deepEqual(unexpected, [], 'modules a client agent loaded before needing them');
  });

  it('loads the certificate code on the first leaf request, and the leaf is issued', async () => {
    const leaf = (await (await ok('/v1/agent/connect/ca/leaf/web')).json()) as { CertPEM: string; Service: string };
    assert.equal(leaf.Service, 'web');
    assert.match(leaf.CertPEM, /^-----BEGIN CERTIFICATE-----/);
    const loaded = await loadedModules();
    assert.ok(
      loaded.some((url) => url.includes('/node_modules/@peculiar/x509/')),
      'the trace shows @peculiar/x509 loaded by the leaf request',
    );
  });
});
