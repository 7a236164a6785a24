// Proves the gossip tags an agent advertises (also Member.Tags in /v1/agent/self) name only ports something
// listens on: Consul adds grpc_port and grpc_tls_port (8503 on 1.14+ servers by default) for its external gRPC
// API, which Lattice does not serve, so neither a default server, a -dev agent (ports.grpc 8502 as in Consul's
// -dev) nor an explicit ports.grpc advertises them; the tags that do describe listeners stay.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BuildInfo } from '../../build-info.js';
import { testEnvironment } from '../../config/testing.js';
import { validateConfig } from '../../config/validate.js';
import { memberTags } from './agent.js';

const build: BuildInfo = { version: '0.1.0', consulVersion: '1.20.0', revision: 'abc123', buildDate: '2026-01-01' };

function tagsFor(values: Record<string, unknown>, devMode = false): Record<string, string> {
  const result = validateConfig([{ sourceName: 'test.json', values: { data_dir: '/d', ...values } }], {
    devMode,
    environment: testEnvironment,
  });
  assert.deepEqual(result.errors, []);
  return memberTags(result.config!, build);
}

describe('memberTags', () => {
  const cases = [
    { name: 'a default server', values: { server: true }, devMode: false },
    { name: 'a -dev agent', values: {}, devMode: true },
    { name: 'a client with ports.grpc', values: { ports: { grpc: 8502 } }, devMode: false },
  ];
  for (const { name, values, devMode } of cases) {
    it(`advertises no gRPC ports for ${name}`, () => {
      const tags = tagsFor(values, devMode);
      assert.equal(tags['grpc_port'], undefined);
      assert.equal(tags['grpc_tls_port'], undefined);
    });
  }

  it("keeps a server's listener tags: RPC port and WAN join port", () => {
    const tags = tagsFor({ server: true });
    assert.deepEqual([tags['role'], tags['port'], tags['wan_join_port']], ['consul', '8300', '8302']);
  });
});
