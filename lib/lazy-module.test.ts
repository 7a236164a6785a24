// Proves lazyModule: nothing loads until the first call, concurrent calls share one import, and a failed import
// is reported with what was being loaded and retried by the next call.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lazyModule, ModuleLoadError } from './lazy-module.js';

describe('lazyModule', () => {
  it('imports on the first call only, once for concurrent callers', async () => {
    let loads = 0;
    const load = lazyModule('the test module', async () => {
      loads++;
      return { value: 42 };
    });
    assert.equal(loads, 0);
    const [first, second] = await Promise.all([load(), load()]);
    assert.equal(loads, 1);
    assert.equal(first, second);
    assert.equal((await load()).value, 42);
    assert.equal(loads, 1);
  });

  it('names the module on failure and tries again on the next call', async () => {
    let attempts = 0;
    const load = lazyModule('certificate generation (@peculiar/x509)', async () => {
      attempts++;
      if (attempts === 1) throw new Error("Cannot find package '@peculiar/x509'");
      return 'loaded';
    });
    await assert.rejects(load(), (error: unknown) => {
      assert.ok(error instanceof ModuleLoadError);
      assert.equal(error.code, 'ERR_MODULE_LOAD');
      assert.match(error.message, /could not load certificate generation \(@peculiar\/x509\): Cannot find package/);
      return true;
    });
    assert.equal(await load(), 'loaded');
    assert.equal(attempts, 2);
  });

  it('reports a real missing module with its path', async () => {
    const load = lazyModule('a module that does not exist', () => import(`./no-such-module-${Date.now()}.js`));
    await assert.rejects(load(), /could not load a module that does not exist: Cannot find module/);
  });
});
