// The StableStore contract: hard state and named values read back as written, across a restart when durable.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ValidationError } from '../../lib/errors.js';
import type { StableStore } from '../storage/stable-store.js';

export interface StableStoreHarness {
  readonly store: StableStore;
  readonly reopen?: () => Promise<StableStore>;
  readonly dispose: () => Promise<void>;
}

/** `durable: false` (memory implementations) leaves out the restart cases, which only a disk store can pass. */
export function describeStableStoreContract(
  name: string,
  open: () => Promise<StableStoreHarness>,
  options: { readonly durable: boolean } = { durable: true },
): void {
  describe(`StableStore contract: ${name}`, () => {
    const harnesses: StableStoreHarness[] = [];
    const fresh = async (): Promise<StableStoreHarness> => {
      const harness = await open();
      harnesses.push(harness);
      return harness;
    };
    after(async () => {
      for (const harness of harnesses) await harness.dispose();
    });

    it('starts at the zero hard state with no values', async () => {
      const { store } = await fresh();
      assert.deepEqual(await store.getHardState(), { term: 0, vote: null, commit: 0 });
      assert.equal(await store.get('peers'), null);
    });

    it('reads back the last hard state and values written', async () => {
      const { store } = await fresh();
      await store.setHardState({ term: 3, vote: 'n2', commit: 7 });
      await store.setHardState({ term: 4, vote: null, commit: 9 });
      await store.set('peers', Uint8Array.of(1, 2, 3));
      assert.deepEqual(await store.getHardState(), { term: 4, vote: null, commit: 9 });
      assert.deepEqual(await store.get('peers'), Uint8Array.of(1, 2, 3));
    });

    it('refuses empty and reserved keys', async () => {
      const { store } = await fresh();
      await assert.rejects(store.set('', Uint8Array.of(1)), ValidationError);
      await assert.rejects(store.get('\0hard-state'), ValidationError);
    });

    const durableIt = options.durable ? it : (_title: string, _body: unknown) => undefined;
    durableIt('keeps hard state and values across a restart', async () => {
      const harness = await fresh();
      assert.ok(harness.reopen, 'a durable store harness must offer reopen');
      await harness.store.setHardState({ term: 5, vote: 'n1', commit: 2 });
      await harness.store.set('conf', new TextEncoder().encode('n1,n2'));
      const reopened = await harness.reopen();
      assert.deepEqual(await reopened.getHardState(), { term: 5, vote: 'n1', commit: 2 });
      assert.equal(new TextDecoder().decode((await reopened.get('conf')) ?? new Uint8Array()), 'n1,n2');
    });
  });
}
