// Proves what `lattice snapshot inspect` prints for a real snapshot written by the catalog FSM: index, term, size,
// format version and rows per table, as a table and as JSON-ready numbers; and that the catalog and operator
// tables line up as Consul's columnize does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CatalogFsm, encodeCommand, inspectSnapshot, registerCommand } from '../../server/fsm/index.js';
import { StateStore } from '../../server/state/index.js';
import { serviceRegistration } from '../../server/state/testing/fixtures.js';
import { formatNodes, formatServices } from './catalog.js';
import { formatTable } from './catalog-http.js';
import { formatPeers } from './operator.js';
import { formatSummary } from './snapshot.js';

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

describe('snapshot inspect', () => {
  it('summarises a snapshot written by the FSM', async () => {
    const fsm = new CatalogFsm(new StateStore());
    fsm.apply({ index: 5, term: 2, type: 'normal', data: encodeRegistration('n1') });
    fsm.apply({ index: 6, term: 2, type: 'normal', data: encodeRegistration('n2') });
    const parts: Uint8Array[] = [];
    const snapshot = fsm.snapshot();
    try {
      await snapshot.persist({ write: async (chunk) => void parts.push(new Uint8Array(chunk)) });
    } finally {
      snapshot.release();
    }
    const sizeBytes = parts.reduce((total, part) => total + part.byteLength, 0);
    const summary = await inspectSnapshot(chunksOf(parts));
    assert.equal(summary.index, 6);
    assert.equal(summary.term, 2);
    const text = formatSummary(summary, sizeBytes);
    assert.match(text, /^ID {7,}2-6$/m);
    assert.match(text, new RegExp(`^Size +${sizeBytes}$`, 'm'));
    assert.match(text, /^Index +6$/m);
    assert.match(text, /^Type +Count$/m);
    assert.match(text, /^nodes +2$/m);
  });
});

function encodeRegistration(node: string): Uint8Array {
  return encodeCommand(registerCommand(serviceRegistration(node, { Service: 'web' })));
}

describe('tables', () => {
  it('pads columns to the widest cell with two spaces', () => {
    assert.equal(
      formatTable([
        ['Node', 'ID'],
        ['a-long-name', 'x'],
      ]),
      'Node         ID\na-long-name  x',
    );
  });
  it('prints nodes, services and peers as consul does', () => {
    const node = {
      ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
      Node: 'n1',
      Address: '10.0.0.5',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '10.0.0.5' },
      Meta: { rack: 'r1' },
      CreateIndex: 1,
      ModifyIndex: 1,
    };
    assert.equal(formatNodes([node], false), 'Node  ID        Address   DC\nn1    40e4a748  10.0.0.5  dc1');
    assert.match(formatNodes([node], true), /lan=10\.0\.0\.5 +rack=r1$/);
    assert.equal(formatServices({ web: ['v2', 'a'], consul: [] }, true), 'consul\nweb     a,v2');
    assert.equal(formatServices({ web: [], consul: [] }, false), 'consul\nweb');
    assert.equal(
      formatPeers({
        Index: 3,
        Servers: [
          {
            ID: 'id1',
            Node: 's1',
            Address: '10.0.0.1:8300',
            Leader: true,
            Voter: true,
            ProtocolVersion: '3',
            LastIndex: 3,
          },
        ],
      }),
      'Node  ID   Address        State   Voter  RaftProtocol\ns1    id1  10.0.0.1:8300  leader  true   3',
    );
  });
});
