// Proves the CLI's failure texts read as Consul's, once each: "Error querying Consul agent: <cause>" (never
// "... failed: ..." after a Consul phrase, never "Error: Error ..."), a missing input file as "Failed to load data:
// Failed to read file: open PATH: no such file or directory" (config write) and "Error! Failed to read file: ..."
// (kv put), and an agent whose HTTP, DNS, gossip or server RPC address is taken prints one line naming the address
// and port, without a stack trace unless -log-level=debug asked for one.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type LatticeProcess, runLattice, startLattice, waitForHttp } from './helpers/lattice-process.js';

const started: LatticeProcess[] = [];
after(() => {
  for (const process of started) process.kill();
});

describe('CLI error texts', () => {
  it('config write and kv put @FILE name a missing file as Go does', async () => {
    const result = await runLattice(['config', 'write', '/nonexistent']);
    assert.equal(result.code, 1);
    // Consul's config write wraps LoadDataSourceNoRaw's error once more; kv put prints it as "Error! <why>".
    assert.equal(
      result.stderr,
      'Failed to load data: Failed to read file: open /nonexistent: no such file or directory\n',
    );
    const kv = await runLattice(['kv', 'put', 'x', '@/nonexistent', '-http-addr=127.0.0.214:1']);
    assert.equal(kv.code, 1);
    assert.equal(kv.stderr, 'Error! Failed to read file: open /nonexistent: no such file or directory\n');
  });

  it('kv get says "Error querying Consul agent: <cause>" once', async () => {
    const result = await runLattice(['kv', 'get', 'x', '-http-addr=127.0.0.214:1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error querying Consul agent: cannot reach the agent at http:\/\/127\.0\.0\.214:1 /);
    assert.doesNotMatch(result.stderr, /failed:|Error: Error/);
  });
});

describe('lattice agent on a taken address', () => {
  it('prints one line naming the address and port; the stack only at -log-level=debug', async () => {
    const first = startLattice(['agent', '-dev', '-bind=127.0.0.215', '-client=127.0.0.215']);
    started.push(first);
    await waitForHttp('http://127.0.0.215:8500/v1/agent/self', { process: first });

    const http = await runLattice(['agent', '-dev', '-bind=127.0.0.216', '-client=127.0.0.215']);
    assert.equal(http.code, 1, http.stderr);
    assert.match(http.stderr, /Error starting agent: cannot listen on 127\.0\.0\.215:8500: address already in use/);
    assert.doesNotMatch(http.stderr, /^\s+at /m, 'no stack trace');

    const dns = await runLattice([
      'agent',
      '-dev',
      '-bind=127.0.0.216',
      '-client=127.0.0.216',
      '-hcl=addresses { dns = "127.0.0.215" }',
    ]);
    assert.equal(dns.code, 1, dns.stderr);
    assert.match(dns.stderr, /Error starting agent: cannot listen on 127\.0\.0\.215:8600: address already in use/);
    assert.doesNotMatch(dns.stderr, /^\s+at /m, 'no stack trace');

    const gossip = await runLattice(['agent', '-dev', '-bind=127.0.0.215', '-client=127.0.0.216']);
    assert.equal(gossip.code, 1, gossip.stderr);
    assert.match(gossip.stderr, /Error starting agent: cannot bind gossip UDP on 127\.0\.0\.215:8301: the address is/);
    assert.doesNotMatch(gossip.stderr, /^\s+at /m, 'no stack trace');

    const rpc = await runLattice(['agent', '-dev', '-bind=127.0.0.215', '-serf-lan-port=8311', '-client=127.0.0.216']);
    assert.equal(rpc.code, 1, rpc.stderr);
    assert.match(rpc.stderr, /Error starting agent: cannot listen on 127\.0\.0\.215:8300: address already in use/);
    assert.doesNotMatch(rpc.stderr, /^\s+at /m, 'no stack trace');

    const verbose = await runLattice(['agent', '-dev', '-log-level=debug', '-bind=127.0.0.216', '-client=127.0.0.215']);
    assert.equal(verbose.code, 1, verbose.stderr);
    assert.match(verbose.stderr, /^\s+at /m, 'the stack at debug');

    assert.equal((await first.stop()).code, 0);
  });
});
