// Proves that a blocking read stops waiting when its client goes away: the RPC's signal aborts once the HTTP
// connection closes, so abandoned watchers release their server-side watches at once; and that a read which
// answers normally never sees its signal abort.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { apiWithRpc, FakeRpcClient, meta } from './testing/fake-rpc.js';

/** Resolves when `signal` aborts; the test's own deadline bounds the wait. */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

describe('blocking reads and client disconnects', () => {
  it('abort the RPC when the client hangs up', { timeout: 10_000 }, async () => {
    let parked: (() => void) | null = null;
    const parkedOnce = new Promise<void>((resolve) => {
      parked = resolve;
    });
    let rpcSignal: AbortSignal | undefined;
    const rpc = new FakeRpcClient().on('Catalog.ListNodes', async (_args, options) => {
      rpcSignal = options.signal;
      parked?.();
      await aborted(options.signal);
      throw options.signal?.reason;
    });
    const app = await apiWithRpc(rpc);
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      const outgoing = request({ host: '127.0.0.1', port, path: '/v1/catalog/nodes?index=5&wait=10m' });
      outgoing.on('error', () => undefined);
      outgoing.end();
      await parkedOnce;
      assert.equal(rpcSignal?.aborted, false);
      outgoing.destroy();
      await aborted(rpcSignal);
      assert.equal(rpcSignal?.aborted, true);
    } finally {
      await app.close();
    }
  });

  it('leave the signal alone for a read that answers', async () => {
    let rpcSignal: AbortSignal | undefined;
    const rpc = new FakeRpcClient().on('Catalog.ListNodes', (_args, options) => {
      rpcSignal = options.signal;
      return { value: [], meta: meta(3) };
    });
    const app = await apiWithRpc(rpc);
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/catalog/nodes`);
      assert.equal(await response.text(), '[]');
      assert.equal(rpcSignal?.aborted, false);
    } finally {
      await app.close();
    }
  });
});
