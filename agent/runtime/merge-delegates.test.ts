// Proves Lattice's copies of Consul's merge delegates (agent/consul/merge.go) refuse what Consul refuses, each with
// Consul's text: on the LAN another member with this agent's node ID, two members sharing one (not when one left or
// its build predates 0.8.5), a client or server of another datacenter, another segment; on the WAN a member that
// is not a server (missing role, bad port or build) or not named "<node>.<dc>". And they accept a healthy pool.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMember } from '../../gossip/serf/members.js';
import type { SerfMergeMember } from '../../gossip/serf/merge-delegate.js';
import { isConsulServer, lanMergeDelegate, wanMergeDelegate } from './merge-delegates.js';

const serverTags = (dc: string, id: string) => ({
  role: 'consul',
  dc,
  segment: '',
  id,
  vsn: '2',
  build: '1.17.0:abcdef',
  port: '8300',
  raft_vsn: '3',
  expect: '3',
});
const clientTags = (dc: string, id: string) => ({ role: 'node', dc, segment: '', id, vsn: '2', build: '1.17.0:abc' });
const member = (
  name: string,
  tags: Record<string, string>,
  status: SerfMergeMember['status'] = 'alive',
): SerfMergeMember => ({ name, address: `${name}:8301`, tags, status });

const nobody: ReadonlyMap<string, SerfMember> = new Map();
const lanWith = lanMergeDelegate({ datacenter: 'dc1', nodeId: 'id-x1', nodeName: 'x1', segment: '' });
/** The LAN delegate of an agent that knows no other member. */
const lan = (members: readonly SerfMergeMember[]) => lanWith(members, nobody);
const knowing = (members: readonly SerfMergeMember[]) =>
  new Map<string, SerfMember>(members.map((known) => [known.name, { ...known, statusChangeMs: 0 }]));

describe('LAN merge delegate (Consul lanMergeDelegate)', () => {
  it('accepts a healthy pool of its datacenter, itself included', () => {
    assert.equal(
      lan([
        member('x1', serverTags('dc1', 'id-x1')),
        member('x2', serverTags('dc1', 'id-x2')),
        member('c1', clientTags('dc1', 'id-c1')),
      ]),
      null,
    );
  });

  it("refuses another member with this agent's node ID", () => {
    assert.equal(
      lan([member('imposter', clientTags('dc1', 'id-x1'))]),
      "Member 'imposter' has conflicting node ID 'id-x1' with this agent's ID",
    );
  });

  it('refuses two members sharing a node ID, unless one left or predates 0.8.5', () => {
    const a = member('a', clientTags('dc1', 'id-dup'));
    const b = member('b', clientTags('dc1', 'id-dup'));
    assert.equal(lan([a, b]), "Member 'b' has conflicting node ID 'id-dup' with member 'a'");
    assert.equal(lan([a, member('b', clientTags('dc1', 'id-dup'), 'left')]), null);
    assert.equal(lan([member('a', { ...clientTags('dc1', 'id-dup'), build: '0.8.4:old' }), b]), null);
    assert.equal(
      lan([member('a', { ...clientTags('dc1', ''), id: '' }), member('b', { ...clientTags('dc1', ''), id: '' })]),
      null,
    );
  });

  it('refuses a member carrying the node ID of an alive member it knows under another name', () => {
    const known = knowing([member('x1', serverTags('dc1', 'id-x1')), member('c1', clientTags('dc1', 'id-c1'))]);
    assert.equal(
      lanWith([member('c2', clientTags('dc1', 'id-c1'))], known),
      "Member 'c2' has conflicting node ID 'id-c1' with member 'c1'",
    );
    assert.equal(lanWith([member('c1', clientTags('dc1', 'id-c1'))], known), null, 'the known member itself');
    const failed = knowing([member('c1', clientTags('dc1', 'id-c1'), 'failed')]);
    assert.equal(
      lanWith([member('c2', clientTags('dc1', 'id-c1'))], failed),
      null,
      'a renamed node once the old failed',
    );
  });

  it('refuses a client or a server of another datacenter', () => {
    assert.equal(lan([member('y1.dc2', serverTags('dc2', 'id-y1'))]), "Member 'y1.dc2' part of wrong datacenter 'dc2'");
    assert.equal(lan([member('c8', clientTags('dc8', 'id-c8'))]), "Member 'c8' part of wrong datacenter 'dc8'");
  });

  it('refuses another segment', () => {
    assert.equal(
      lan([member('s1', { ...clientTags('dc1', 'id-s1'), segment: 'alpha' })]),
      "Member 's1' part of wrong segment 'alpha' (expected '')",
    );
  });
});

describe('WAN merge delegate (Consul wanMergeDelegate)', () => {
  const wanDelegate = wanMergeDelegate();
  const wan = (members: readonly SerfMergeMember[]) => wanDelegate(members, nobody);

  it('accepts servers named <node>.<dc>', () => {
    assert.equal(wan([member('x1.dc1', serverTags('dc1', 'a')), member('y1.dc2', serverTags('dc2', 'b'))]), null);
  });

  it('refuses a member that is not a server', () => {
    assert.equal(wan([member('c1', clientTags('dc1', 'c'))]), "Member 'c1' is not a server");
    assert.equal(
      wan([member('x.dc1', { ...serverTags('dc1', 'a'), port: 'eighty' })]),
      "Member 'x.dc1' is not a server",
    );
    assert.equal(wan([member('x.dc1', { ...serverTags('dc1', 'a'), build: '' })]), "Member 'x.dc1' is not a server");
  });

  it("refuses a LAN pool's server (a WAN join aimed at a LAN port)", () => {
    const refusal = wan([member('x1', serverTags('dc1', 'a'))]);
    assert.match(refusal ?? '', /^Member 'x1' is not a WAN member: its name must be '<node>\.<datacenter>'/);
  });

  it('isConsulServer reads role, port, vsn, build and optional integer tags', () => {
    assert.equal(isConsulServer(member('s', serverTags('dc1', 'a'))), true);
    assert.equal(isConsulServer(member('s', { ...serverTags('dc1', 'a'), expect: 'x' })), false);
    assert.equal(isConsulServer(member('s', { ...serverTags('dc1', 'a'), role: 'node' })), false);
  });
});
