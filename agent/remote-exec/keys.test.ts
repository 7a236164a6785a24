// The job's KV layout: the keys an agent writes are those Consul's agent writes (hex chunk numbers, path.Join
// cleaning), and the CLI sorts every key of a job directory as Consul's streamResults does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ackKey, classifyResultKey, exitKey, jobDirectory, jobKey, joinKey, outputKey } from './keys.js';

const session = '5f2c8d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f';

describe('remote exec keys', () => {
  it('lays a job out as Consul does', () => {
    assert.equal(jobKey('_rexec', session), `_rexec/${session}/job`);
    assert.equal(jobDirectory('_rexec', session), `_rexec/${session}/`);
    assert.equal(ackKey('_rexec', session, 'web-1'), `_rexec/${session}/web-1/ack`);
    assert.equal(exitKey('_rexec', session, 'web-1'), `_rexec/${session}/web-1/exit`);
  });

  it('numbers output chunks with five lowercase hex digits (%05x)', () => {
    assert.equal(outputKey('_rexec', session, 'n', 0), `_rexec/${session}/n/out/00000`);
    assert.equal(outputKey('_rexec', session, 'n', 10), `_rexec/${session}/n/out/0000a`);
    assert.equal(outputKey('_rexec', session, 'n', 0x12345), `_rexec/${session}/n/out/12345`);
  });

  it("joins as Go's path.Join: cleaned, empty parts skipped", () => {
    assert.equal(joinKey('_rexec/', session, 'job'), `_rexec/${session}/job`);
    assert.equal(joinKey('', session, 'job'), `${session}/job`);
    assert.equal(joinKey('a//b', 'c'), 'a/b/c');
    assert.equal(joinKey(''), '');
  });

  it('classifies result keys in streamResults order', () => {
    const table: [string, ReturnType<typeof classifyResultKey>][] = [
      ['job', { kind: 'job' }],
      ['web-1/ack', { kind: 'ack', node: 'web-1' }],
      ['web-1/exit', { kind: 'exit', node: 'web-1' }],
      ['web-1/out/00000', { kind: 'output', node: 'web-1' }],
      ['web-1/out/0000a', { kind: 'output', node: 'web-1' }],
      ['db.out/ack', { kind: 'ack', node: 'db.out' }],
      ['web-1/something', { kind: 'unknown' }],
      ['stray', { kind: 'unknown' }],
    ];
    for (const [key, expected] of table) assert.deepEqual(classifyResultKey(key), expected, key);
  });
});
