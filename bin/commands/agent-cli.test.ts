// Proves the agent CLI's pure parts: the members table (consul members' columns, -detailed tags, status words),
// `lattice info` sections, the maintenance listing, and reading service definition files in JSON and HCL.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatInfo } from './info.js';
import { formatMaintenance } from './maint.js';
import { type AgentMemberJson, formatMembers, memberStatusWord } from './members.js';
import { definitionsInFile } from './services.js';

const members: AgentMemberJson[] = [
  {
    Name: 'web-1',
    Addr: '10.0.0.7',
    Port: 8301,
    Tags: { role: 'node', dc: 'dc1', build: '1.20.0:abc', vsn: '2', segment: '' },
    Status: 4,
  },
  {
    Name: 'server-1',
    Addr: '10.0.0.1',
    Port: 8301,
    Tags: { role: 'consul', dc: 'dc1', build: '1.20.0:abc', vsn: '2', port: '8300' },
    Status: 1,
  },
];

describe('members table', () => {
  it("prints consul members' columns, sorted by name", () => {
    assert.equal(
      formatMembers(members, false),
      [
        'Node      Address        Status  Type    Build   Protocol  DC   Partition  Segment',
        'server-1  10.0.0.1:8301  alive   server  1.20.0  2         dc1  default    <all>',
        'web-1     10.0.0.7:8301  failed  client  1.20.0  2         dc1  default',
      ].join('\n'),
    );
  });

  it('prints all tags with -detailed', () => {
    assert.match(
      formatMembers(members, true),
      /^server-1 {2}10\.0\.0\.1:8301 {2}alive {3}build=1\.20\.0:abc,dc=dc1,port=8300,role=consul,vsn=2$/m,
    );
  });

  it('names every serf status', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 9].map(memberStatusWord), [
      'none',
      'alive',
      'leaving',
      'left',
      'failed',
      'unknown',
    ]);
  });
});

describe('info and maint output', () => {
  it('prints sorted sections of key = value lines', () => {
    assert.equal(
      formatInfo({ raft: { b: '2', a: '1' }, agent: { checks: '0' } }),
      'agent:\n\tchecks = 0\nraft:\n\ta = 1\n\tb = 2',
    );
  });

  it('lists node and service maintenance with reasons', () => {
    const text = formatMaintenance({
      _node_maintenance: { CheckID: '_node_maintenance', ServiceID: '', Notes: 'patching', Node: 'n1' },
      'service:web': { CheckID: 'service:web', ServiceID: 'web', Notes: '', Node: 'n1' },
      '_service_maintenance:web': {
        CheckID: '_service_maintenance:web',
        ServiceID: 'web',
        Notes: 'deploy',
        Node: 'n1',
      },
    });
    assert.equal(text, 'Node:\n  Name:   n1\n  Reason: patching\nService:\n  ID:     web\n  Reason: deploy');
  });
});

describe('service definition files', () => {
  it('reads `service` and `services` from JSON', () => {
    const found = definitionsInFile(
      'a.json',
      '{"service": {"name": "web"}, "services": [{"name": "db"}, {"name": "api"}]}',
    );
    assert.deepEqual(
      found.map((definition) => definition['name']),
      ['web', 'db', 'api'],
    );
  });

  it('reads HCL blocks', () => {
    const found = definitionsInFile('a.hcl', 'service {\n  name = "web"\n  port = 80\n}\n');
    assert.equal(found.length, 1);
    assert.equal(found[0]?.['name'], 'web');
  });

  it('refuses a file without services, naming it', () => {
    assert.throws(
      () => definitionsInFile('empty.json', '{"datacenter": "dc1"}'),
      /empty\.json: no "service" or "services" block/,
    );
    assert.throws(() => definitionsInFile('bad.json', '{'), /bad\.json:/);
  });
});
