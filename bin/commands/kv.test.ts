import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJson, parseExport } from './kv.js';
import { parseKvPairs } from './kv-http.js';

const uint64Max = '18446744073709551615';

describe('kv flags stay exact uint64 (Consul KVPair.Flags)', () => {
  it('reads Flags above 2^53 from the agent as their exact digits', () => {
    const body = `[{"LockIndex":0,"Key":"big","Flags":${uint64Max},"Value":"dg==","CreateIndex":5,"ModifyIndex":5}]`;
    const [pair] = parseKvPairs({ status: 200, index: 5, body }, 'Error querying Consul agent');
    assert.equal(pair?.Flags, uint64Max);
  });

  it('does not mistake a key that spells a Flags member for the member', () => {
    const body = '[{"LockIndex":0,"Key":"x\\",\\"Flags\\":5","Flags":7,"Value":null,"CreateIndex":1,"ModifyIndex":1}]';
    const [pair] = parseKvPairs({ status: 200, index: 1, body }, 'Error querying Consul agent');
    assert.deepEqual([pair?.Key, pair?.Flags], ['x","Flags":5', '7']);
  });

  it('exports flags as a bare JSON number and imports it back unchanged', () => {
    const document = exportJson([{ key: 'big', flags: uint64Max, value: 'dg==' }]);
    assert.equal(document, `[\n\t{\n\t\t"key": "big",\n\t\t"flags": ${uint64Max},\n\t\t"value": "dg=="\n\t}\n]`);
    assert.deepEqual(parseExport(document), [{ key: 'big', flags: uint64Max, value: 'dg==' }]);
  });

  it('refuses flags that are not a uint64, as Go unmarshalling into uint64 does', () => {
    assert.throws(
      () => parseExport('[{"key":"a","flags":18446744073709551616,"value":""}]'),
      /^LatticeError: Cannot unmarshal data: entry 0 \("a"\): flags/,
    );
    assert.throws(() => parseExport('[{"key":"a","flags":-1,"value":""}]'), /is not a uint64/);
    assert.deepEqual(parseExport('[{"key":"a","value":""}]'), [{ key: 'a', flags: '0', value: '' }]);
  });
});

describe('kv import reads values as Go base64.StdEncoding', () => {
  it('refuses a value that is not standard base64 before writing anything, as consul kv import', () => {
    // Buffer.from(…, 'base64') skips what it cannot read: '!!!' was imported as an empty value, silently.
    for (const bad of ['!!!', 'dg', 'dg=', 'd-_=', 'dg==dg=='])
      assert.throws(
        () => parseExport(`[{"key":"ok","value":"dg=="},{"key":"bad","value":"${bad}"}]`),
        /^LatticeError: Error base 64 decoding value for key bad: illegal base64 data/,
        bad,
      );
    assert.deepEqual(
      parseExport('[{"key":"a","value":"YWJj"},{"key":"b","value":"YQ=="},{"key":"c","value":""}]').map((e) => e.value),
      ['YWJj', 'YQ==', ''],
    );
  });
});
