// Proves the Vivaldi pieces: the distance formula, JSON shape and ack wire form, refusal of invalid coordinates and
// absurd RTTs, the median filter, and convergence: seeded simulated nodes with known pairwise latencies end up
// with coordinates whose estimated RTTs are close to the truth (serf's phantom.go method).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { VivaldiClient } from './client.js';
import { defaultVivaldiConfig, validateVivaldiConfig } from './config.js';
import {
  type Coordinate,
  coordinateFromJson,
  coordinateToJson,
  distanceMs,
  distanceSeconds,
  originCoordinate,
} from './coordinate.js';
import { decodeCoordinateWire, encodeCoordinateWire } from './coordinate-wire.js';

const coordinate = (vec: number[], height = 0, adjustment = 0, error = 0.5): Coordinate => ({
  vec,
  height,
  adjustment,
  error,
});

describe('distance', () => {
  const cases: [string, Coordinate, Coordinate, number][] = [
    ['the same point', coordinate([0, 0]), coordinate([0, 0]), 0],
    ['3-4-5 triangle', coordinate([0, 0]), coordinate([3, 4]), 5],
    ['plus both heights', coordinate([0, 0], 1), coordinate([3, 4], 2), 8],
    ['plus positive adjustments', coordinate([0, 0], 0, 0.5), coordinate([3, 4], 0, 0.25), 5.75],
    [
      'negative adjustments kept while the result stays positive',
      coordinate([0, 0], 0, -1),
      coordinate([3, 4], 0, -1),
      3,
    ],
    [
      'negative adjustments dropped when the result would not be positive',
      coordinate([0, 0], 0, -3),
      coordinate([3, 4], 0, -3),
      5,
    ],
  ];
  for (const [name, a, b, expected] of cases) {
    it(name, () => {
      assert.equal(distanceSeconds(a, b), expected);
      assert.equal(distanceSeconds(b, a), expected);
      assert.equal(distanceMs(a, b), expected * 1000);
    });
  }
  it('refuses coordinates of different dimensions', () => {
    assert.throws(() => distanceSeconds(coordinate([0]), coordinate([0, 0])), /different dimensions/);
  });
});

describe('JSON shape', () => {
  it('round-trips Consul\'s {"Vec","Error","Adjustment","Height"}', () => {
    const json = coordinateToJson(originCoordinate(defaultVivaldiConfig));
    assert.deepEqual(Object.keys(json), ['Vec', 'Error', 'Adjustment', 'Height']);
    assert.deepEqual(json, { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 });
    assert.deepEqual(coordinateToJson(coordinateFromJson(JSON.parse(JSON.stringify(json)), 8)), json);
  });
  const bad: [string, unknown, RegExp][] = [
    ['null', null, /must be an object/],
    ['wrong dimensions', { Vec: [0], Error: 1, Adjustment: 0, Height: 0 }, /list of 8 numbers/],
    ['a string component', { Vec: [0, 0, 0, 0, 0, 0, 0, '1'], Error: 1, Adjustment: 0, Height: 0 }, /finite numbers/],
    ['a missing Height', { Vec: new Array(8).fill(0), Error: 1, Adjustment: 0 }, /Height must be a finite number/],
    ['a negative Height', { Vec: new Array(8).fill(0), Error: 1, Adjustment: 0, Height: -1 }, /not be negative/],
  ];
  for (const [name, value, message] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => coordinateFromJson(value, 8), message));
  }
});

describe('VivaldiClient', () => {
  const config = validateVivaldiConfig();
  it('uses the reference defaults', () => {
    assert.deepEqual(
      [config.dimensionality, config.vivaldiErrorMax, config.vivaldiCE, config.vivaldiCC],
      [8, 1.5, 0.25, 0.25],
    );
    assert.deepEqual(
      [config.adjustmentWindowSize, config.heightMinSeconds, config.latencyFilterSize, config.gravityRhoSeconds],
      [20, 10e-6, 3, 150],
    );
    assert.throws(() => validateVivaldiConfig({ dimensionality: 0, vivaldiCE: 2 }), /dimensionality.*vivaldiCE/);
  });
  it('refuses NaN, infinite and mismatched coordinates and absurd RTTs, and counts them', () => {
    const client = new VivaldiClient(config, new SeededRand(1));
    const good = originCoordinate(config);
    const nan = { ...good, vec: [Number.NaN, 0, 0, 0, 0, 0, 0, 0] };
    assert.throws(() => client.update('a', nan, 10), /NaN or infinite/);
    assert.throws(() => client.update('a', { ...good, height: Number.POSITIVE_INFINITY }, 10), /NaN or infinite/);
    assert.throws(() => client.update('a', { ...good, vec: [0, 0] }, 10), /2 dimensions, expected 8/);
    for (const rtt of [-1, Number.NaN, 10_001, Number.POSITIVE_INFINITY]) {
      assert.throws(() => client.update('a', good, rtt), /round-trip time/);
    }
    assert.equal(client.stats.rejected, 7);
    assert.deepEqual(client.getCoordinate(), originCoordinate(config));
  });
  it('moves two nodes apart until their estimate matches a 10 ms RTT', () => {
    const rand = new SeededRand(7);
    const a = new VivaldiClient(config, rand);
    const b = new VivaldiClient(config, rand);
    for (let round = 0; round < 200; round++) {
      a.update('b', b.getCoordinate(), 10);
      b.update('a', a.getCoordinate(), 10);
    }
    assert.ok(Math.abs(a.distanceToMs(b.getCoordinate()) - 10) < 0.5, `estimate ${a.distanceToMs(b.getCoordinate())}`);
  });
  it('takes the median of the last three samples per peer', () => {
    const fast = new VivaldiClient(config, new SeededRand(3));
    const spiky = new VivaldiClient(config, new SeededRand(3));
    const peer = originCoordinate(config);
    fast.update('p', peer, 10);
    fast.update('p', peer, 10);
    spiky.update('p', peer, 10);
    spiky.update('p', peer, 10);
    // A single 5 s outlier is filtered out: the median is still 10 ms, so both clients move identically.
    assert.deepEqual(fast.update('p', peer, 10), spiky.update('p', peer, 5000));
  });

  for (const seed of [1, 42, 2026]) {
    it(`converges on 30 simulated nodes with known latencies (seed ${seed})`, () => {
      const rand = new SeededRand(seed);
      const nodeCount = 30;
      // Truth: points in a 100 ms × 100 ms plane plus a 0.5–5 ms access link each.
      const points = Array.from({ length: nodeCount }, () => [rand.float() * 0.1, rand.float() * 0.1]);
      const access = Array.from({ length: nodeCount }, () => 0.0005 + rand.float() * 0.0045);
      const truthMs = (i: number, j: number): number =>
        (Math.hypot(points[i]![0]! - points[j]![0]!, points[i]![1]! - points[j]![1]!) + access[i]! + access[j]!) * 1000;
      const clients = Array.from({ length: nodeCount }, () => new VivaldiClient(config, rand));
      for (let cycle = 0; cycle < 1000; cycle++) {
        for (let i = 0; i < nodeCount; i++) {
          const j = rand.intBelow(nodeCount);
          if (j !== i) clients[i]!.update(`node-${j}`, clients[j]!.getCoordinate(), truthMs(i, j));
        }
      }
      let errorSum = 0;
      let errorMax = 0;
      let pairs = 0;
      for (let i = 0; i < nodeCount; i++) {
        for (let j = i + 1; j < nodeCount; j++) {
          const estimate = clients[i]!.distanceToMs(clients[j]!.getCoordinate());
          const error = Math.abs(estimate - truthMs(i, j)) / truthMs(i, j);
          errorSum += error;
          errorMax = Math.max(errorMax, error);
          pairs++;
        }
      }
      const errorMean = errorSum / pairs;
      assert.ok(errorMean < 0.05, `mean relative error ${errorMean}`);
      // Pairs a few ms apart carry the largest relative error (0.1–0.45 over these seeds); the mean is what Consul uses.
      assert.ok(errorMax < 1, `max relative error ${errorMax}`);
      assert.equal(
        clients.reduce((sum, client) => sum + client.stats.resets, 0),
        0,
      );
    });
  }
});

describe('coordinate wire form (probe acks)', () => {
  const sample = coordinate([0.001, -0.0025, 1e-9, 0, 0.3, -0.7, 2.5e-5, 0.125], 1.5e-5, -2e-6, 0.42);

  it('round-trips exactly in 90 bytes for 8 dimensions', () => {
    const bytes = encodeCoordinateWire(sample);
    assert.equal(bytes.length, 90);
    assert.deepEqual(decodeCoordinateWire(bytes, 8), sample);
  });

  it('still reads the JSON form older agents send', () => {
    const json = Buffer.from(JSON.stringify(coordinateToJson(sample)));
    assert.deepEqual(decodeCoordinateWire(new Uint8Array(json), 8), sample);
  });

  it('refuses other dimensions, versions, lengths, non-finite or negative fields and bad JSON', () => {
    const bytes = encodeCoordinateWire(sample);
    assert.throws(() => decodeCoordinateWire(bytes, 4), /dimensions/);
    assert.throws(() => decodeCoordinateWire(bytes.subarray(0, 89), 8), /dimensions/);
    assert.throws(() => decodeCoordinateWire(Uint8Array.of(2, ...bytes.subarray(1)), 8), /version 2/);
    assert.throws(() => decodeCoordinateWire(encodeCoordinateWire({ ...sample, error: Number.NaN }), 8), /finite/);
    assert.throws(() => decodeCoordinateWire(encodeCoordinateWire({ ...sample, height: -1 }), 8), /negative/);
    assert.throws(() => decodeCoordinateWire(new Uint8Array(Buffer.from('{"Vec":')), 8), /JSON/);
    assert.throws(() => decodeCoordinateWire(new Uint8Array(2_000), 8), /too large/);
  });
});
