// Proves the token sources are read in Consul's order (reference §1.2): ?token=, X-Consul-Token, Bearer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { resolveToken } from './acl-hook.js';

const request = (query: Record<string, string>, headers: Record<string, string>): FastifyRequest =>
  ({ query, headers }) as unknown as FastifyRequest;

describe('resolveToken', () => {
  const cases: [string, Record<string, string>, Record<string, string>, string | null][] = [
    ['query wins over header and bearer', { token: 'q' }, { 'x-consul-token': 'h', authorization: 'Bearer b' }, 'q'],
    ['header wins over bearer', {}, { 'x-consul-token': 'h', authorization: 'Bearer b' }, 'h'],
    ['bearer scheme is case-insensitive', {}, { authorization: 'bEaReR b' }, 'b'],
    ['bearer value: first piece', {}, { authorization: 'Bearer b extra' }, 'b'],
    ['basic auth ignored', {}, { authorization: 'Basic dXNlcjpwYXNz' }, null],
    ['empty values ignored', { token: '' }, { 'x-consul-token': '' }, null],
    ['none', {}, {}, null],
  ];
  for (const [name, query, headers, expected] of cases) {
    it(name, () => assert.equal(resolveToken(request(query, headers)), expected));
  }
});
