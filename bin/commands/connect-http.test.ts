// Proves how `lattice config write` and `lattice connect ca set-config` read their files: HCL nested blocks become
// objects (lists stay lists: Sources, Permissions, Methods), JSON is taken as it is, a file of another shape or
// syntax is refused with consul's "Failed to decode config entry input" prefix.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readConfigFile } from './connect-http.js';

async function withFile(name: string, text: string, check: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lattice-cfg-'));
  try {
    const path = join(dir, name);
    await writeFile(path, text);
    await check(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('readConfigFile', () => {
  it('reads HCL with nested blocks as objects and keeps lists', async () => {
    const hcl = [
      'Kind = "service-intentions"',
      'Name = "api"',
      'Sources = [',
      '  {',
      '    Name = "web"',
      '    Permissions = [',
      '      {',
      '        Action = "allow"',
      '        HTTP {',
      '          PathPrefix = "/v1/"',
      '          Methods = ["GET"]',
      '        }',
      '      }',
      '    ]',
      '  }',
      ']',
      'Meta {',
      '  team = "a"',
      '}',
    ].join('\n');
    await withFile('api.hcl', hcl, async (path) => {
      assert.deepEqual(await readConfigFile(path), {
        Kind: 'service-intentions',
        Name: 'api',
        Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v1/', Methods: ['GET'] } }] }],
        Meta: { team: 'a' },
      });
    });
  });

  it('reads JSON and refuses what is not an object', async () => {
    await withFile('ca.json', '{"Provider":"consul","Config":{"LeafCertTTL":"24h"}}', async (path) => {
      assert.deepEqual(await readConfigFile(path), { Provider: 'consul', Config: { LeafCertTTL: '24h' } });
    });
    await withFile('list.json', '[1]', async (path) => {
      await assert.rejects(readConfigFile(path), { message: /^Failed to decode config entry input/ });
    });
    await withFile('bad.hcl', 'Kind = {{{', async (path) => {
      await assert.rejects(readConfigFile(path), { message: /^Failed to decode config entry input/ });
    });
  });
});
