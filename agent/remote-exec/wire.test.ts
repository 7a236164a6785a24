// The remote exec wire documents: encoded as a Go `consul exec` writes them (so a Go agent reads ours) and decoded
// from what Go writes (so ours runs a Go CLI's jobs); garbage of every shape is refused with a named reason.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeRemoteExecEvent,
  decodeRemoteExecJob,
  encodeRemoteExecEvent,
  encodeRemoteExecJob,
  RemoteExecDecodeError,
} from './wire.js';

const session = '5f2c8d7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f';
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
const text = (encoded: Uint8Array): string => Buffer.from(encoded).toString('utf8');

describe('remote exec event payload', () => {
  it('is the JSON Consul marshals, and decodes back', () => {
    const encoded = encodeRemoteExecEvent({ prefix: '_rexec', session });
    assert.equal(text(encoded), `{"Prefix":"_rexec","Session":"${session}"}`);
    assert.deepEqual(decodeRemoteExecEvent(encoded), { prefix: '_rexec', session });
  });

  it('matches member names case-insensitively, as Go does', () => {
    assert.deepEqual(decodeRemoteExecEvent(bytes(`{"prefix":"p","SESSION":"${session}"}`)), { prefix: 'p', session });
  });

  for (const [name, payload] of [
    ['not JSON', '{"Prefix":'],
    ['a list', '[]'],
    ['a non-string prefix', `{"Prefix":1,"Session":"${session}"}`],
    ['no session', '{"Prefix":"_rexec"}'],
    ['a session that is a path', '{"Prefix":"_rexec","Session":"../../etc"}'],
  ] as const)
    it(`refuses ${name}`, () => {
      assert.throws(() => decodeRemoteExecEvent(bytes(payload)), RemoteExecDecodeError);
    });
});

describe('remote exec job spec', () => {
  it('encodes a command with Wait in nanoseconds and the empty fields left out', () => {
    const encoded = encodeRemoteExecJob({ kind: 'command', command: 'echo hi; exit 3', waitMs: 2_000 });
    assert.equal(text(encoded), '{"Command":"echo hi; exit 3","Wait":2000000000}');
  });

  it('encodes Args as a list and Script as base64, as Go marshals []string and []byte', () => {
    assert.equal(
      text(encodeRemoteExecJob({ kind: 'args', args: ['ls', '-la'], waitMs: 1_500 })),
      '{"Args":["ls","-la"],"Wait":1500000000}',
    );
    assert.equal(
      text(encodeRemoteExecJob({ kind: 'script', script: bytes('echo 1\n'), waitMs: 0 })),
      '{"Script":"ZWNobyAxCg==","Wait":0}',
    );
  });

  it('round-trips every kind', () => {
    for (const job of [
      { kind: 'command', command: 'uptime', waitMs: 2_000 },
      { kind: 'args', args: ['uname', '-a'], waitMs: 10 },
      { kind: 'script', script: bytes('#!/bin/sh\necho x\n'), waitMs: 250 },
    ] as const)
      assert.deepEqual(decodeRemoteExecJob(encodeRemoteExecJob(job)), job);
  });

  it('runs Args before Script before Command when a spec carries several, as a Go agent does', () => {
    const all = bytes('{"Command":"c","Args":["a"],"Script":"cw==","Wait":1000000}');
    assert.equal(decodeRemoteExecJob(all).kind, 'args');
    assert.equal(decodeRemoteExecJob(bytes('{"Command":"c","Script":"cw==","Wait":1000000}')).kind, 'script');
  });

  it('reads a Go CLI spec with null Args and Script', () => {
    assert.deepEqual(decodeRemoteExecJob(bytes('{"Command":"id","Args":null,"Script":null,"Wait":2000000000}')), {
      kind: 'command',
      command: 'id',
      waitMs: 2_000,
    });
  });

  for (const [name, spec] of [
    ['not JSON', 'rm -rf /'],
    ['a JSON string', '"echo hi"'],
    ['null', 'null'],
    ['nothing to run', '{"Wait":1}'],
    ['a blank command', '{"Command":"   ","Wait":1}'],
    ['a numeric command', '{"Command":42}'],
    ['Args that are not strings', '{"Args":["ls",1]}'],
    ['Args that are a string', '{"Args":"ls"}'],
    ['a Script that is not base64', '{"Script":"not base64!"}'],
    ['a Wait that is a string', '{"Command":"id","Wait":"2s"}'],
    ['a negative Wait', '{"Command":"id","Wait":-1}'],
    ['a fractional Wait', '{"Command":"id","Wait":1.5}'],
  ] as const)
    it(`refuses ${name}`, () => {
      assert.throws(() => decodeRemoteExecJob(bytes(spec)), RemoteExecDecodeError);
    });
});
