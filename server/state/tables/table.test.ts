// Proves the table's copy-on-write capture (a snapshot's map never sees later writes, and the table copies at
// most once per capture), primary-key order for scans and index lookups, and index maintenance on replace and
// delete; and that the watch registry fires each watcher once, dedupes keys and survives a throwing callback.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../../../lib/assert.js';
import { WatchRegistry } from '../watch.js';
import { Table, type TableSchema } from './table.js';

interface Row {
  readonly id: string;
  readonly group: string;
  readonly tags: readonly string[];
}

const schema: TableSchema<Row> = {
  name: 'rows',
  primaryKey: (row) => row.id,
  indexes: { group: (row) => [row.group], tag: (row) => row.tags },
};

describe('Table', () => {
  it('reads in primary-key order and keeps indexes in step with replace and delete', () => {
    const table = new Table(schema, [
      { id: 'c', group: 'x', tags: ['t1'] },
      { id: 'a', group: 'x', tags: ['t1', 't2'] },
      { id: 'b', group: 'y', tags: [] },
    ]);
    assert.deepEqual(
      table.all().map((row) => row.id),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      table.lookup('group', 'x').map((row) => row.id),
      ['a', 'c'],
    );
    table.put({ id: 'a', group: 'y', tags: ['t2'] });
    assert.deepEqual(
      table.lookup('group', 'x').map((row) => row.id),
      ['c'],
    );
    assert.deepEqual(
      table.lookup('tag', 't1').map((row) => row.id),
      ['c'],
    );
    assert.equal(table.count('group', 'y'), 2);
    table.delete('c');
    assert.deepEqual(table.lookup('tag', 't1'), []);
    assert.equal(table.count('group', 'x'), 0);
    assert.equal(table.delete('missing'), undefined);
  });

  it('hands a snapshot a map that later writes do not change', () => {
    const table = new Table(schema, [{ id: 'a', group: 'x', tags: [] }]);
    const captured = table.capture();
    table.put({ id: 'b', group: 'x', tags: [] });
    table.delete('a');
    assert.deepEqual([...captured.keys()], ['a']);
    assert.deepEqual(
      table.all().map((row) => row.id),
      ['b'],
    );
    const second = table.capture();
    assert.notEqual(second, captured);
    assert.equal(table.capture(), second, 'no write since: the same map again');
  });

  it('asserts on an unknown index (a programmer error)', () => {
    assert.throws(() => new Table(schema).lookup('nope', 'x'), AssertionError);
  });
});

describe('WatchRegistry', () => {
  it('fires each watcher once however many of its keys change, then forgets it', () => {
    const registry = new WatchRegistry();
    const fired: string[] = [];
    registry.watch(['a', 'b', 'a'], (reason) => fired.push(`one:${reason}`));
    registry.watch(['b'], () => fired.push('two'));
    registry.watch(['c'], () => fired.push('three'));
    assert.equal(registry.fire(['a', 'b']), 2);
    assert.deepEqual(fired, ['one:change', 'two']);
    assert.equal(registry.fire(['a', 'b']), 0);
    assert.equal(registry.watcherCount, 1);
    assert.equal(registry.watchersOn('a'), 0);
  });

  it('reports a throwing callback and still fires the others', () => {
    const errors: unknown[] = [];
    const registry = new WatchRegistry((error) => errors.push(error));
    let fired = 0;
    registry.watch(['k'], () => {
      throw new Error('boom');
    });
    registry.watch(['k'], () => fired++);
    registry.fire(['k']);
    assert.equal(fired, 1);
    assert.equal(errors.length, 1);
  });

  it('fires everything on restore', () => {
    const registry = new WatchRegistry();
    const reasons: string[] = [];
    registry.watch(['a'], (reason) => reasons.push(reason));
    registry.watch(['b'], (reason) => reasons.push(reason));
    assert.equal(registry.fireAll('restore'), 2);
    assert.deepEqual(reasons, ['restore', 'restore']);
  });
});
