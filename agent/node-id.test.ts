// Proves that the node ID survives restarts through data_dir/node-id, that node_id in the config wins over the
// file, and that -dev (no data dir) touches no file.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { testEnvironment, writeConfigDir } from './config/testing.js';
import type { AgentConfig } from './config/types.js';
import { validateConfig } from './config/validate.js';
import { persistNodeId } from './node-id.js';

function configFor(values: Record<string, unknown>, devMode = false): AgentConfig {
  const result = validateConfig([{ sourceName: 'test', values }], { devMode, environment: testEnvironment });
  assert.deepEqual(result.errors, []);
  return result.config!;
}

describe('persistNodeId', () => {
  it('writes a generated ID, then reuses it on the next start', async () => {
    const dir = await writeConfigDir({});
    const first = await persistNodeId(configFor({ data_dir: dir.file('data') }));
    assert.equal(readFileSync(dir.file('data/node-id'), 'utf8'), `${first.nodeId}\n`);
    const otherEnvironment = { ...testEnvironment, newNodeId: () => 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' };
    const restarted = validateConfig([{ sourceName: 'test', values: { data_dir: dir.file('data') } }], {
      devMode: false,
      environment: otherEnvironment,
    }).config!;
    assert.equal((await persistNodeId(restarted)).nodeId, first.nodeId);
    await dir.remove();
  });

  it('lets node_id in the config win and records it', async () => {
    const dir = await writeConfigDir({ 'data/node-id': '11111111-1111-1111-1111-111111111111\n' });
    const nodeId = '22222222-2222-2222-2222-222222222222';
    const config = await persistNodeId(configFor({ data_dir: dir.file('data'), node_id: nodeId }));
    assert.equal(config.nodeId, nodeId);
    assert.equal(readFileSync(dir.file('data/node-id'), 'utf8'), `${nodeId}\n`);
    await dir.remove();
  });

  it('refuses a corrupt node-id file', async () => {
    const dir = await writeConfigDir({ 'data/node-id': 'garbage\n' });
    await assert.rejects(persistNodeId(configFor({ data_dir: dir.file('data') })), { name: 'NodeIdError' });
    await dir.remove();
  });

  it('leaves -dev alone', async () => {
    const config = configFor({}, true);
    assert.equal(await persistNodeId(config), config);
  });
});
