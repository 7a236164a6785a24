// Proves group commit: submits made while a batch is on its way wait and share the next one, in submit order, and
// a failed write rejects exactly the submits of its batch while later ones still go through.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type BatchOperation, GroupCommit } from './group-commit.js';

const put = (name: string): BatchOperation => ({
  type: 'put',
  key: new TextEncoder().encode(name),
  value: Uint8Array.of(1),
});
const names = (operations: readonly BatchOperation[]) =>
  operations.map((operation) => new TextDecoder().decode(operation.key));

it('gathers submits made during a write into the next batch, in order', async () => {
  const batches: string[][] = [];
  let release: () => void = () => undefined;
  const commits = new GroupCommit(async (operations) => {
    batches.push(names(operations));
    if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
  });
  const first = commits.submit([put('a')]);
  await Promise.resolve();
  await Promise.resolve();
  const later = [commits.submit([put('b')]), commits.submit([put('c'), put('d')]), commits.submit([put('e')])];
  release();
  await Promise.all([first, ...later]);
  assert.deepEqual(batches, [['a'], ['b', 'c', 'd', 'e']]);
  assert.deepEqual(commits.stats(), { batchCount: 2, submitCount: 4 });
});

it('rejects the submits of a failed batch and still writes later ones', async () => {
  let calls = 0;
  let release: () => void = () => undefined;
  const commits = new GroupCommit(async () => {
    calls++;
    if (calls === 1) {
      await new Promise<void>((resolve) => (release = resolve));
      throw new Error('disk full');
    }
  });
  const failing = commits.submit([put('a')]);
  await Promise.resolve();
  await Promise.resolve();
  const next = commits.submit([put('b')]);
  release();
  await assert.rejects(failing, /disk full/);
  await next;
  await commits.idle();
  assert.equal(calls, 2);
});
