// Proves that user-keyed maps keep keys named like Object.prototype members: `__proto__` stays an own, enumerable,
// JSON-visible key (plain assignment would set the prototype instead), and `constructor` is never read through.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { unpackKeepingKeys } from './msgpack-keys.js';
import { ownValue, setOwn } from './records.js';

const awkwardKeys = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf'];

describe('setOwn and ownValue', () => {
  it('keep every awkward key as an own property that JSON prints, leaving the prototype alone', () => {
    const record: Record<string, string> = {};
    for (const key of awkwardKeys) setOwn(record, key, `v-${key}`);
    assert.deepEqual(Object.keys(record), awkwardKeys);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.deepEqual(
      JSON.parse(JSON.stringify(record)),
      JSON.parse(JSON.stringify(Object.fromEntries(awkwardKeys.map((k) => [k, `v-${k}`])))),
    );
    assert.equal(ownValue(record, '__proto__'), 'v-__proto__');
  });

  it('ownValue does not see inherited members', () => {
    assert.equal(ownValue({}, 'constructor'), undefined);
    assert.equal(ownValue({}, '__proto__'), undefined);
  });
});

describe('unpackKeepingKeys', () => {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true });
  it('brings `__proto__` keys through msgpack unchanged, at any depth and in lists', () => {
    const meta: Record<string, unknown> = {};
    for (const key of awkwardKeys) setOwn(meta, key, key);
    const services: Record<string, unknown> = {};
    setOwn(services, '__proto__', { Meta: meta, Tags: ['a'], Port: 1 });
    const value = { Services: services, List: [meta], n: null };
    const decoded = unpackKeepingKeys(packr, packr.pack(value)) as typeof value;
    assert.equal(JSON.stringify(decoded), JSON.stringify(value));
    assert.equal(Object.getPrototypeOf(decoded.Services), Object.prototype);
    assert.ok(Object.hasOwn(decoded.Services, '__proto__'));
  });

  it('decodes frames without those bytes with the given decoder, identical to it', () => {
    const value = { a: { b: [1, 'x', true] }, constructor: 'c' };
    const bytes = packr.pack(value);
    assert.deepEqual(unpackKeepingKeys(packr, bytes), packr.unpack(bytes));
  });
});
