// Proves the agent's request log hides ACL tokens given as ?token=, keeping the rest of the URL as it came.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactedUrl } from './redact-url.js';

describe('redactedUrl', () => {
  const cases: [string, string][] = [
    ['/v1/kv/a', '/v1/kv/a'],
    ['/v1/kv/a?dc=dc1', '/v1/kv/a?dc=dc1'],
    ['/v1/kv/a?token=s3cret', '/v1/kv/a?token=<hidden>'],
    ['/v1/kv/a?dc=x&token=s3cret&token=other', '/v1/kv/a?dc=x&token=<hidden>&token=<hidden>'],
    ['/v1/kv/a?to%6Ben=s3cret', '/v1/kv/a?to%6Ben=<hidden>'],
    ['/v1/kv/a?tokens=1&token', '/v1/kv/a?tokens=1&token'],
    ['/v1/kv/a?%E0%A4%A=1', '/v1/kv/a?%E0%A4%A=1'],
  ];
  for (const [url, logged] of cases) {
    it(`${url} → ${logged}`, () => assert.equal(redactedUrl(url), logged));
  }
});
