// Proves the WAN pool's reading of members: Consul's "<node>.<dc>" names, which members count as servers (role,
// dc and port tags, name suffix), datacenters nearest first by median RTT with the local one first, left servers
// skipped, failed or coordinate-less ones kept at infinite distance in name order, and the alive servers of a
// datacenter a future router picks from.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMember } from '../gossip/serf/members.js';
import type { Coordinate } from '../gossip/vivaldi/coordinate.js';
import { datacentersByDistance, WanPool, wanMemberName, wanServer } from './wan-pool.js';

function member(name: string, dc: string, status: SerfMember['status'] = 'alive', port = '8300'): SerfMember {
  return {
    name,
    address: `10.0.0.${name.length}:8302`,
    tags: { role: 'consul', dc, port },
    status,
    statusChangeMs: 0,
  };
}

/** A coordinate `ms` milliseconds from the origin along the first axis (height and adjustment ~0). */
function at(ms: number): Coordinate {
  return { vec: [ms / 1000, 0, 0, 0, 0, 0, 0, 0], error: 1.5, adjustment: 0, height: 1e-5 };
}

describe('WAN member names and servers', () => {
  it('names a WAN member "<node>.<dc>"', () => {
    assert.equal(wanMemberName('web-1', 'dc2'), 'web-1.dc2');
  });

  it('reads a server from its tags and name, with its RPC address from the port tag', () => {
    const server = wanServer({ ...member('s1.dc2', 'dc2'), address: '[::1]:8302' });
    assert.deepEqual(server, {
      name: 's1.dc2',
      node: 's1',
      datacenter: 'dc2',
      gossipAddress: '[::1]:8302',
      rpcAddress: '[::1]:8300',
      status: 'alive',
    });
    assert.equal(wanServer(member('host.with.dots.dc1', 'dc1'))?.node, 'host.with.dots');
  });

  it('ignores members that are not servers of the datacenter their name says', () => {
    const client = { ...member('c1.dc1', 'dc1'), tags: { role: 'node', dc: 'dc1', port: '8300' } };
    assert.equal(wanServer(client), null, 'not role=consul');
    assert.equal(wanServer(member('s1.dc1', '')), null, 'no dc tag');
    assert.equal(wanServer(member('s1.dc1', 'dc2')), null, 'name suffix and dc tag disagree');
    assert.equal(wanServer(member('.dc1', 'dc1')), null, 'no node name');
    assert.equal(wanServer(member('s1.dc1', 'dc1', 'alive', 'x')), null, 'port tag not a number');
    assert.equal(wanServer(member('s1.dc1', 'dc1', 'alive', '70000')), null, 'port tag out of range');
  });
});

describe('datacenters by distance', () => {
  const servers = (members: SerfMember[]) => members.map((each) => wanServer(each)!);

  it('puts the local datacenter first, then the others by median RTT', () => {
    const coordinates = new Map([
      ['a.dc2', at(80)],
      ['b.dc2', at(90)],
      ['c.dc2', at(400)],
      ['a.dc3', at(20)],
      ['a.dc1', at(0)],
    ]);
    const order = datacentersByDistance(
      servers([member('a.dc1', 'dc1'), member('a.dc2', 'dc2'), member('b.dc2', 'dc2'), member('c.dc2', 'dc2')]).concat(
        servers([member('a.dc3', 'dc3')]),
      ),
      'dc1',
      at(0),
      (name) => coordinates.get(name) ?? null,
    );
    assert.deepEqual(order, ['dc1', 'dc3', 'dc2'], 'dc2 median 90 ms (one slow server does not count), dc3 20 ms');
  });

  it('keeps the local datacenter first even when another one measures zero', () => {
    const flat = { ...at(0), height: 0 }; // two of these are 0 ms apart
    const order = datacentersByDistance(
      servers([member('a.dc9', 'dc9'), member('a.dc0', 'dc0')]),
      'dc9',
      flat,
      () => flat,
    );
    assert.deepEqual(order, ['dc9', 'dc0']);
  });

  it('puts datacenters without coordinates last, in name order; skips left servers, keeps failed ones', () => {
    const order = datacentersByDistance(
      servers([
        member('a.dc1', 'dc1'),
        member('a.dcz', 'dcz', 'failed'),
        member('a.dcb', 'dcb'),
        member('a.dca', 'dca'),
        member('a.gone', 'gone', 'left'),
        member('a.near', 'near'),
      ]),
      'dc1',
      at(0),
      (name) => (name === 'a.near' ? at(5) : null),
    );
    assert.deepEqual(order, ['dc1', 'near', 'dca', 'dcb', 'dcz']);
  });

  it('sorts by name alone when this server has no coordinate', () => {
    const order = datacentersByDistance(
      servers([member('a.dc2', 'dc2'), member('a.dc1', 'dc1'), member('a.dc0', 'dc0')]),
      'dc1',
      null,
      () => at(1),
    );
    assert.deepEqual(order, ['dc1', 'dc0', 'dc2']);
  });
});

describe('WanPool', () => {
  const members: SerfMember[] = [
    member('s1.dc1', 'dc1'),
    member('s1.dc2', 'dc2'),
    member('s2.dc2', 'dc2', 'failed'),
    member('s3.dc2', 'dc2'),
    member('s1.dc3', 'dc3', 'left'),
  ];
  const source = {
    members: () => members,
    localCoordinate: () => at(0),
    memberCoordinate: (name: string) => (name === 's2.dc2' ? null : at(name === 's1.dc1' ? 0 : 30)),
  };

  it('lists the datacenters it knows, and only this one before the pool has members', () => {
    assert.deepEqual(new WanPool(source, 'dc1').datacenters(), ['dc1', 'dc2']);
    assert.deepEqual(new WanPool(source, 'dc2').datacenters(), ['dc2', 'dc1']);
    const empty = { members: () => [], localCoordinate: () => null, memberCoordinate: () => null };
    assert.deepEqual(new WanPool(empty, 'dc7').datacenters(), ['dc7']);
  });

  it('gives the alive servers of a datacenter for a router to pick from', () => {
    const pool = new WanPool(source, 'dc1');
    assert.deepEqual(
      pool.aliveServersIn('dc2').map((server) => [server.name, server.rpcAddress]),
      [
        ['s1.dc2', '10.0.0.6:8300'],
        ['s3.dc2', '10.0.0.6:8300'],
      ],
    );
    assert.deepEqual(pool.aliveServersIn('dc3'), [], 'a datacenter whose servers left');
    assert.deepEqual(pool.aliveServersIn('nowhere'), []);
  });

  it("answers Consul's Coordinate.ListDatacenters: nearest first, names without .<dc>, AreaID wan", () => {
    const maps = new WanPool(source, 'dc1').datacenterMaps();
    assert.deepEqual(
      maps.map((map) => [map.Datacenter, map.AreaID, map.Coordinates.map((entry) => entry.Node)]),
      [
        ['dc1', 'wan', ['s1']],
        ['dc2', 'wan', ['s1', 's3']],
      ],
    );
    assert.deepEqual(maps[1]!.Coordinates[0]!.Coord, {
      Vec: [0.03, 0, 0, 0, 0, 0, 0, 0],
      Error: 1.5,
      Adjustment: 0,
      Height: 1e-5,
    });
  });

  it('groups WAN coordinates by datacenter, skipping servers without one and servers that left', () => {
    const grouped = new WanPool(source, 'dc1').coordinatesByDatacenter();
    assert.deepEqual(
      [...grouped].map(([dc, list]) => [dc, list.map((entry) => entry.node)]),
      [
        ['dc1', ['s1.dc1']],
        ['dc2', ['s1.dc2', 's3.dc2']],
      ],
    );
  });
});
