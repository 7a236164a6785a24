// Proves the catalog FSM: commands round-trip through the codec; garbage, unknown or reserved types and refused
// writes come back as typed errors in the apply response without throwing or changing the store; a snapshot
// taken while writes continue restores into a fresh store equal to the original (rows and indexes); and a
// damaged or truncated snapshot is refused by restore and inspect alike, leaving the store as it was.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { SeededRand } from '../../lib/rand.js';
import type { CommittedEntry } from '../../raft/fsm.js';
import { checkServiceNodes, coordinates, MissingServiceError, nodes, StateStore } from '../state/index.js';
import { serviceRegistration } from '../state/testing/fixtures.js';
import {
  CatalogFsm,
  type Command,
  CommandCodecError,
  coordinateBatchUpdateCommand,
  decodeCommand,
  deregisterCommand,
  encodeCommand,
  encodeSnapshot,
  inspectSnapshot,
  registerCommand,
  SnapshotFormatError,
  snapshotFormatVersion,
  UnknownCommandError,
} from './index.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const coord = { Vec: [0.001, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 };

function entry(index: number, command: Command | Uint8Array, term = 2): CommittedEntry {
  const data = command instanceof Uint8Array ? command : encodeCommand(command);
  return { index, term, type: 'normal', data };
}

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

async function persisted(fsm: CatalogFsm): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  const snapshot = fsm.snapshot();
  try {
    await snapshot.persist({ write: async (chunk) => void parts.push(new Uint8Array(chunk)) });
  } finally {
    snapshot.release();
  }
  return parts;
}

function contentsOf(store: StateStore): unknown {
  const capture = store.capture();
  const tables = Object.fromEntries([...capture.tables].map(([name, rows]) => [name, [...rows.entries()]]));
  return { tables, indexes: [...capture.indexes.entries()].sort() };
}

describe('command codec', () => {
  const commands: Command[] = [
    registerCommand(serviceRegistration('n1', { Service: 'web', Meta: { v: '1' } }, [{ Name: 'c' }])),
    deregisterCommand({ Node: 'n1', ServiceID: 'web' }),
    coordinateBatchUpdateCommand([{ Node: 'n1', Segment: '', Coord: coord }]),
  ];
  for (const command of commands) {
    it(`round-trips ${command.type}`, () => {
      assert.deepEqual(decodeCommand(encodeCommand(command)), command);
    });
  }

  const garbage: [string, Uint8Array, new (...args: never[]) => Error][] = [
    ['empty bytes', new Uint8Array(), CommandCodecError],
    ['text', new TextEncoder().encode('hello world'), CommandCodecError],
    ['a truncated envelope', encodeCommand(commands[0] as Command).subarray(0, 10), CommandCodecError],
    ['a list', packr.pack([1, 2, 3]), CommandCodecError],
    ['a future version', packr.pack({ v: 2, t: 'register', p: {} }), CommandCodecError],
    ['a numeric type', packr.pack({ v: 1, t: 7, p: {} }), CommandCodecError],
    ['an unknown type', packr.pack({ v: 1, t: 'launch-missiles', p: {} }), UnknownCommandError],
    ['a reserved type', packr.pack({ v: 1, t: 'acl', p: {} }), UnknownCommandError],
    ['a register payload that is a list', packr.pack({ v: 1, t: 'register', p: [] }), CommandCodecError],
    [
      'a coordinate payload that is a map',
      packr.pack({ v: 1, t: 'coordinate-batch-update', p: {} }),
      CommandCodecError,
    ],
  ];
  for (const [what, bytes, type] of garbage) {
    it(`refuses ${what}`, () => {
      assert.throws(() => decodeCommand(bytes), type);
    });
  }
});

describe('CatalogFsm.apply', () => {
  it('applies register, deregister and coordinate commands at the entry index', () => {
    const fsm = new CatalogFsm(new StateStore());
    assert.deepEqual(fsm.apply(entry(3, registerCommand(serviceRegistration('n1', { Service: 'web' })))), {
      index: 3,
      error: null,
    });
    assert.equal(fsm.apply(entry(4, coordinateBatchUpdateCommand([{ Node: 'n1', Coord: coord }]))).value, 1);
    assert.equal(checkServiceNodes(fsm.store, 'web').index, 3);
    assert.equal(coordinates(fsm.store).index, 4);
    fsm.apply(entry(5, deregisterCommand({ Node: 'n1' })));
    assert.deepEqual(nodes(fsm.store).value, []);
    assert.deepEqual(fsm.lastApplied, { index: 5, term: 2 });
  });

  it('answers a refused write with its typed error and changes nothing', () => {
    const fsm = new CatalogFsm(new StateStore());
    const response = fsm.apply(
      entry(1, registerCommand(serviceRegistration('n1', { Service: 'web' }, [{ Name: 'c', ServiceID: 'x' }]))),
    );
    assert.ok(response.error instanceof MissingServiceError);
    assert.equal(nodes(fsm.store).value.length, 0);
    assert.equal(fsm.lastApplied.index, 1, 'the entry still counts as applied');
  });

  it('never throws on random bytes or random envelopes (seeded fuzz)', () => {
    const rand = new SeededRand(20261201);
    const fsm = new CatalogFsm(new StateStore());
    const pieces: unknown[] = [null, 1, -1, 'x', '', true, [], {}, [1, 'a'], { Node: 'n1' }, { Service: 5 }, 1.5e300];
    const pick = (): unknown => pieces[rand.intBelow(pieces.length)];
    for (let index = 1; index <= 2000; index++) {
      let bytes: Uint8Array;
      if (index % 2 === 0) {
        bytes = new Uint8Array(rand.intBelow(64));
        for (let position = 0; position < bytes.length; position++) bytes[position] = rand.intBelow(256);
      } else {
        const payload = { Node: pick(), Address: pick(), Service: pick(), Check: pick(), Checks: pick(), ID: pick() };
        const type = ['register', 'deregister', 'coordinate-batch-update'][rand.intBelow(3)];
        bytes = packr.pack({ v: 1, t: type, p: rand.intBelow(4) === 0 ? pick() : payload });
      }
      const response = fsm.apply(entry(index, bytes));
      assert.equal(response.index, index);
    }
  });
});

describe('CatalogFsm snapshots', () => {
  function populated(): CatalogFsm {
    const fsm = new CatalogFsm(new StateStore());
    let index = 0;
    for (let node = 0; node < 30; node++) {
      for (let service = 0; service < 80; service++) {
        const request = serviceRegistration(
          `node-${node}`,
          { Service: `svc-${service % 7}`, ID: `s-${service}`, Tags: [`t${service % 3}`] },
          [{ Name: `check-${service}`, ServiceID: `s-${service}`, Status: service % 5 === 0 ? 'critical' : 'passing' }],
        );
        fsm.apply(entry(++index, registerCommand(request)));
      }
      fsm.apply(entry(++index, coordinateBatchUpdateCommand([{ Node: `node-${node}`, Coord: coord }])));
    }
    fsm.apply(entry(++index, deregisterCommand({ Node: 'node-3', ServiceID: 's-4' })));
    return fsm;
  }

  it('restores into a fresh store equal to the original, indexes included, despite later writes', async () => {
    const fsm = populated();
    const expected = contentsOf(fsm.store);
    const snapshot = fsm.snapshot();
    // Writes after the capture must not leak into the snapshot.
    fsm.apply(entry(10_000, deregisterCommand({ Node: 'node-0' })));
    fsm.apply(entry(10_001, registerCommand(serviceRegistration('late', { Service: 'late' }))));
    const parts: Uint8Array[] = [];
    await snapshot.persist({ write: async (chunk) => void parts.push(new Uint8Array(chunk)) });
    snapshot.release();
    assert.ok(parts.length > 1, 'persisted in several chunks');

    const restored = new CatalogFsm(new StateStore());
    await restored.restore(chunksOf(parts));
    assert.deepEqual(contentsOf(restored.store), expected);
    assert.equal(restored.lastApplied.index, 2431);
    assert.deepEqual(checkServiceNodes(restored.store, 'svc-1'), checkServiceNodes(populated().store, 'svc-1'));
  });

  it('restores rows that stay frozen and reads that keep working after new writes', async () => {
    const fsm = populated();
    const restored = new CatalogFsm(new StateStore());
    await restored.restore(chunksOf(await persisted(fsm)));
    const [node] = nodes(restored.store).value;
    assert.ok(Object.isFrozen(node) && Object.isFrozen(node?.Meta));
    restored.apply(entry(5000, registerCommand(serviceRegistration('node-1', { Service: 'svc-1', ID: 'new' }))));
    assert.equal(checkServiceNodes(restored.store, 'svc-1').index, 5000);
  });

  it('inspects index, term and per-table counts', async () => {
    const fsm = populated();
    const summary = await inspectSnapshot(chunksOf(await persisted(fsm)));
    assert.equal(summary.index, 2431);
    assert.equal(summary.term, 2);
    assert.equal(summary.formatVersion, snapshotFormatVersion);
    assert.deepEqual(summary.tables, {
      nodes: 30,
      services: 2399,
      checks: 2399,
      coordinates: 30,
      kvs: 0,
      tombstones: 0,
      sessions: 0,
      'config-entries': 0,
      'connect-ca-config': 0,
      'connect-ca-roots': 0,
      'prepared-queries': 0,
      'autopilot-config': 0,
    });
    assert.ok(summary.indexCount > 4);
  });

  it('refuses damaged snapshots and keeps the current store', async () => {
    const fsm = populated();
    const whole = Buffer.concat(await persisted(fsm));
    const flipped = Buffer.from(whole);
    flipped[Math.floor(whole.length / 2)] = (flipped[Math.floor(whole.length / 2)] as number) ^ 0xff;
    const badMagic = Buffer.from(whole);
    badMagic[0] = 0;
    const damaged: [string, Uint8Array][] = [
      ['a flipped byte', flipped],
      ['a truncated tail', whole.subarray(0, whole.length - 3)],
      ['a cut between frames', whole.subarray(0, 8 + 8 + whole.readUInt32BE(8))],
      ['another file', badMagic],
      ['nothing', new Uint8Array()],
      ['trailing garbage', Buffer.concat([whole, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9])])],
    ];
    for (const [what, bytes] of damaged) {
      const target = new CatalogFsm(new StateStore());
      target.apply(entry(1, registerCommand(serviceRegistration('keep', { Service: 'keep' }))));
      await assert.rejects(target.restore(chunksOf([bytes])), SnapshotFormatError, what);
      await assert.rejects(inspectSnapshot(chunksOf([bytes])), SnapshotFormatError, what);
      assert.deepEqual(
        nodes(target.store).value.map((node) => node.Node),
        ['keep'],
        what,
      );
    }
  });

  it('reads a snapshot split into one-byte chunks', async () => {
    const fsm = new CatalogFsm(new StateStore());
    for (let index = 1; index <= 20; index++) {
      fsm.apply(entry(index, registerCommand(serviceRegistration(`n${index}`, { Service: 'web' }, [{ Name: 'c' }]))));
    }
    const whole = Buffer.concat(await persisted(fsm));
    const summary = await inspectSnapshot(chunksOf([...whole].map((byte) => new Uint8Array([byte]))));
    assert.equal(summary.index, 20);
    const { nodes: nodeCount, services: serviceCount, checks: checkCount, ...others } = summary.tables;
    assert.deepEqual([nodeCount, serviceCount, checkCount], [20, 20, 20]);
    assert.ok(
      Object.values(others).every((count) => count === 0),
      'every other table is empty',
    );
  });

  it('refuses snapshots whose rows are malformed or reference missing rows', async () => {
    const header = { formatVersion: 1, index: 9, term: 1 };
    const service = { Node: 'ghost', ID: 'web', Service: 'web', Tags: [] };
    const bad: [string, [string, unknown[]][]][] = [
      ['a service on a missing node', [['services', [service]]]],
      ['a row that is not an object', [['nodes', [5]]]],
      ['a node without a name', [['nodes', [{ ID: '' }]]]],
      ['an unknown table', [['launchers', [{}]]]],
    ];
    for (const [what, tables] of bad) {
      const capture = {
        tables: new Map(
          tables.map(([name, rows]) => [name, new Map(rows.map((row, position) => [String(position), row]))]),
        ),
        indexes: new Map<string, number>(),
      };
      const target = new CatalogFsm(new StateStore());
      target.apply(entry(1, registerCommand(serviceRegistration('keep', { Service: 'keep' }))));
      await assert.rejects(target.restore(chunksOf([...encodeSnapshot(capture, header)])), SnapshotFormatError, what);
      assert.deepEqual(
        nodes(target.store).value.map((node) => node.Node),
        ['keep'],
        what,
      );
    }
  });

  it('wakes every watcher on restore', async () => {
    const fsm = populated();
    const parts = await persisted(fsm);
    let woken = 0;
    fsm.store.watch(checkServiceNodes(fsm.store, 'svc-2').watch, () => woken++);
    await fsm.restore(chunksOf(parts));
    assert.equal(woken, 1);
  });
});
