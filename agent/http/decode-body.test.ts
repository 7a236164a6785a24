// Proves lenient body decoding as Go's encoding/json plus Consul's fix-ups do it: case-insensitive and snake_case
// keys, unknown fields dropped, durations from strings or nanoseconds out as Go strings, aliases, and a type
// mismatch refused with `Request decode failed`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBody, defineSchema } from './decode-body.js';
import { BadRequestError } from './errors.js';

const check = defineSchema(
  { CheckID: 'string', Interval: 'duration', ScriptArgs: 'stringList', TLSSkipVerify: 'boolean' },
  { Args: 'ScriptArgs', IntervalDuration: 'Interval' },
);
const body = defineSchema({
  Node: 'string',
  Port: 'integer',
  Meta: 'stringMap',
  EnableTagOverride: 'boolean',
  Check: { object: check },
  Checks: { list: check },
  Proxy: 'any',
});

describe('decodeBody', () => {
  it('matches keys case-insensitively and with underscores, dropping unknown fields', () => {
    assert.deepEqual(
      decodeBody(body, {
        node: 'n1',
        PORT: 80,
        enable_tag_override: true,
        WriteRequest: { Token: 'x' },
        meta: { a: 'b' },
      }),
      { Node: 'n1', Port: 80, EnableTagOverride: true, Meta: { a: 'b' } },
    );
  });
  it('lets an exact key win over a case-insensitive one', () => {
    assert.deepEqual(decodeBody(body, { Node: 'exact', node: 'folded' }), { Node: 'exact' });
    assert.deepEqual(decodeBody(body, { node: 'folded', Node: 'exact' }), { Node: 'exact' });
  });
  it('reads durations as Go strings or nanoseconds, and aliases', () => {
    assert.deepEqual(decodeBody(body, { check: { interval: '10s', args: ['a'] } }), {
      Check: { Interval: '10s', ScriptArgs: ['a'] },
    });
    assert.deepEqual(decodeBody(body, { Checks: [{ IntervalDuration: 1_500_000_000 }] }), {
      Checks: [{ Interval: '1.5s' }],
    });
  });
  it('leaves null fields unset and passes opaque fields through', () => {
    assert.deepEqual(decodeBody(body, { Node: null, Proxy: { Config: { x: [1] } } }), {
      Proxy: { Config: { x: [1] } },
    });
  });
  const mismatches: [unknown, string][] = [
    [{ Node: 5 }, 'Request decode failed: cannot unmarshal number into field Node of type string'],
    [{ Port: '80' }, 'Request decode failed: cannot unmarshal string into field Port of type integer'],
    [{ Port: 1.5 }, 'Request decode failed: cannot unmarshal number into field Port of type integer'],
    [{ Meta: { a: 1 } }, 'Request decode failed: cannot unmarshal number into field Meta.a of type string'],
    [{ Check: { Interval: 'soon' } }, 'Request decode failed: field Check.Interval: invalid duration "soon"'],
    [{ Checks: {} }, 'Request decode failed: cannot unmarshal object into field Checks of type array'],
    [[1], 'Request decode failed: cannot unmarshal array into field body of type object'],
  ];
  for (const [input, text] of mismatches)
    it(`refuses ${JSON.stringify(input)}`, () =>
      assert.throws(
        () => decodeBody(body, input),
        (error: unknown) => error instanceof BadRequestError && error.message === text,
      ));
});

describe('decodeBody with keys named like Object.prototype members', () => {
  it('keeps Meta keys __proto__, constructor and hasOwnProperty as own keys and ignores unknown top-level ones', () => {
    const decoded = decodeBody(
      body,
      JSON.parse(
        '{"Node":"n","constructor":"x","__proto__":{"Node":"evil"},"Meta":{"__proto__":"a","constructor":"b","hasOwnProperty":"c"}}',
      ),
    );
    assert.equal(
      JSON.stringify(decoded),
      '{"Node":"n","Meta":{"__proto__":"a","constructor":"b","hasOwnProperty":"c"}}',
    );
    assert.equal(Object.getPrototypeOf(decoded['Meta']), Object.prototype);
  });
});
