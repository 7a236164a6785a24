// The ProxySource contract, run against every implementation: the static test source here, and the agent's
// (leaf cache, roots watch, intention watch, health watches) once it exists. A harness says how to make the control
// plane change a value; the suite checks what the proxy relies on.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IntentionTable } from '../../connect/index.js';
import type { LeafCredentials, ProxySource, RootsSnapshot, UpstreamEndpoint } from '../source.js';
import { firstValue } from '../source.js';

export interface ProxySourceHarness {
  readonly source: ProxySource;
  /** Make the control plane publish these values; resolves once they were sent (delivery may be later). */
  publishLeaf(service: string, leaf: LeafCredentials): Promise<void>;
  publishRoots(roots: RootsSnapshot): Promise<void>;
  publishIntentions(table: IntentionTable): Promise<void>;
  publishEndpoints(service: string, endpoints: readonly UpstreamEndpoint[]): Promise<void>;
  /** Fixtures the harness can publish. */
  readonly fixtures: {
    readonly leaves: readonly [LeafCredentials, LeafCredentials];
    readonly roots: RootsSnapshot;
    readonly denyAll: IntentionTable;
  };
  close(): Promise<void>;
}

const deadline = () => AbortSignal.timeout(10_000);

/** Waits for the next value delivered to the view that satisfies `accept`. */
function nextValue<T>(
  view: { onChange(listener: (value: T) => void): () => void },
  accept: (value: T) => boolean,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const signal = deadline();
    const unsubscribe = view.onChange((value) => {
      if (!accept(value)) return;
      unsubscribe();
      resolve(value);
    });
    signal.addEventListener('abort', () => {
      unsubscribe();
      reject(new Error('no matching change before the deadline'));
    });
  });
}

export function describeProxySourceContract(name: string, open: () => Promise<ProxySourceHarness>): void {
  describe(`ProxySource contract: ${name}`, () => {
    it('delivers a leaf, then every replacement, through current() and onChange', async () => {
      const harness = await open();
      try {
        const view = harness.source.leaf('web');
        const [first, second] = harness.fixtures.leaves;
        await harness.publishLeaf('web', first);
        assert.equal((await firstValue(view, deadline())).certPem, first.certPem);
        const changed = nextValue(view, (leaf) => leaf.certPem === second.certPem);
        await harness.publishLeaf('web', second);
        await changed;
        assert.equal(view.current()?.certPem, second.certPem);
        view.close();
      } finally {
        await harness.close();
      }
    });

    it('delivers roots with their trust domain', async () => {
      const harness = await open();
      try {
        const view = harness.source.roots();
        await harness.publishRoots(harness.fixtures.roots);
        const roots = await firstValue(view, deadline());
        assert.equal(roots.trustDomain, harness.fixtures.roots.trustDomain);
        assert.deepEqual([...roots.rootPems], [...harness.fixtures.roots.rootPems]);
        view.close();
      } finally {
        await harness.close();
      }
    });

    it('swaps the intention table whole', async () => {
      const harness = await open();
      try {
        const view = harness.source.intentions();
        const swapped = nextValue(view, (table) => !table.decide('web', 'api').allowed);
        await harness.publishIntentions(harness.fixtures.denyAll);
        const table = await swapped;
        assert.equal(view.current(), table);
        view.close();
      } finally {
        await harness.close();
      }
    });

    it('delivers endpoints per upstream and stops notifying a closed view', async () => {
      const harness = await open();
      try {
        const view = harness.source.endpoints({ service: 'api' });
        const endpoints = [{ address: '127.0.0.9', port: 21000, service: 'api' }];
        await harness.publishEndpoints('api', endpoints);
        assert.deepEqual(await firstValue(view, deadline()), endpoints);
        let calls = 0;
        view.onChange(() => {
          calls += 1;
        });
        view.close();
        await harness.publishEndpoints('api', []);
        assert.equal(calls, 0);
      } finally {
        await harness.close();
      }
    });
  });
}
