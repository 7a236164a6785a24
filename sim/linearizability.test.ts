// Proves the linearizability checker against hand-made KV histories: sequential and concurrent histories that
// have a linearization pass, stale reads and lost writes fail, and operations with unknown outcomes (return
// time Infinity) may take effect at any later time or not be observed at all.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLinearizable, type KvInput, type KvOutput, kvModel, type Operation } from './linearizability.js';

type Op = Operation<KvInput, KvOutput>;
const put = (clientId: number, key: string, value: string, callMs: number, returnMs: number): Op => ({
  clientId,
  input: { kind: 'put', key, value },
  output: { value: null },
  callMs,
  returnMs,
});
const get = (clientId: number, key: string, value: string | null, callMs: number, returnMs: number): Op => ({
  clientId,
  input: { kind: 'get', key },
  output: { value },
  callMs,
  returnMs,
});

describe('checkLinearizable with the KV model', () => {
  const cases: { name: string; history: Op[]; verdict: 'ok' | 'illegal' }[] = [
    { name: 'empty history', history: [], verdict: 'ok' },
    {
      name: 'sequential put then get',
      history: [put(0, 'k', 'a', 0, 10), get(1, 'k', 'a', 20, 30)],
      verdict: 'ok',
    },
    { name: 'read of a missing key', history: [get(0, 'k', null, 0, 1)], verdict: 'ok' },
    {
      name: 'stale read after a completed write',
      history: [put(0, 'k', 'a', 0, 10), put(0, 'k', 'b', 20, 30), get(1, 'k', 'a', 40, 50)],
      verdict: 'illegal',
    },
    {
      name: 'concurrent reads may see either side of an overlapping write',
      history: [put(0, 'k', 'a', 0, 10), put(0, 'k', 'b', 20, 60), get(1, 'k', 'a', 25, 30), get(2, 'k', 'b', 30, 40)],
      verdict: 'ok',
    },
    {
      name: 'a read cannot go back after another read saw the new value',
      history: [put(0, 'k', 'a', 0, 10), put(0, 'k', 'b', 20, 100), get(1, 'k', 'b', 30, 40), get(2, 'k', 'a', 50, 60)],
      verdict: 'illegal',
    },
    {
      name: 'a value no one wrote',
      history: [put(0, 'k', 'a', 0, 10), get(1, 'k', 'z', 20, 30)],
      verdict: 'illegal',
    },
    {
      name: 'an unknown-outcome write may be seen later',
      history: [put(0, 'k', 'a', 0, Number.POSITIVE_INFINITY), get(1, 'k', 'a', 50, 60)],
      verdict: 'ok',
    },
    {
      name: 'an unknown-outcome write may also never be seen',
      history: [put(0, 'k', 'a', 0, Number.POSITIVE_INFINITY), get(1, 'k', null, 50, 60)],
      verdict: 'ok',
    },
    {
      name: 'keys are independent',
      history: [put(0, 'x', 'a', 0, 10), get(1, 'y', null, 20, 30), get(1, 'x', 'a', 40, 50)],
      verdict: 'ok',
    },
  ];
  for (const { name, history, verdict } of cases) {
    it(`${verdict}: ${name}`, () => {
      const result = checkLinearizable(kvModel, history);
      assert.equal(result.verdict, verdict);
      if (verdict === 'illegal') assert.ok(result.counterexample.length > 0);
    });
  }

  it('reports unknown rather than looping when the search budget runs out', () => {
    const history: Op[] = [];
    for (let client = 0; client < 12; client++) history.push(put(client, 'k', `v${client}`, 0, 100));
    history.push(get(99, 'k', 'nope', 0, 100));
    assert.equal(checkLinearizable(kvModel, history, 50).verdict, 'unknown');
  });
});
