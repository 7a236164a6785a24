// Proves the hclog JSON form of the agent's log lines (/v1/agent/monitor?logjson): pretty text lines with and
// without a module and fields, pino JSON lines (log_json), a multi-line error record, and a line of another shape.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logRecordAsJson } from './log-line-json.js';

const parsed = (record: string) => JSON.parse(logRecordAsJson(record)) as Record<string, unknown>;

describe('logRecordAsJson', () => {
  it('reads a text line with module, message and fields', () => {
    assert.deepEqual(
      parsed('[2026-12-01T22:25:24.494] INFO: agent.anti_entropy: anti-entropy: synced {"ops":2,"full":false}\n'),
      {
        '@level': 'info',
        '@message': 'anti-entropy: synced',
        '@module': 'agent.anti_entropy',
        '@timestamp': '2026-12-01T22:25:24.494',
        ops: 2,
        full: false,
      },
    );
  });

  it('reads a text line without a module, and keeps an error record whole', () => {
    assert.deepEqual(parsed('[2026-12-01T22:25:24.441] WARN: Reloaded watches\n'), {
      '@level': 'warn',
      '@message': 'Reloaded watches',
      '@timestamp': '2026-12-01T22:25:24.441',
    });
    const error = parsed(
      '[2026-12-01T22:25:24.441] ERROR: agent: failed\n    err: {\n      "message": "boom"\n    }\n',
    );
    assert.equal(error['@level'], 'error');
    assert.equal(error['@module'], 'agent');
    assert.match(String(error['@message']), /^failed\n {4}err: \{\n.*"boom"/s);
  });

  it('maps a pino JSON line (log_json) to hclog keys, keeping its fields', () => {
    assert.deepEqual(
      parsed('{"level":40,"time":"2026-12-01T22:25:24.441Z","module":"agent.http","msg":"slow","latencyMs":900}\n'),
      {
        '@level': 'warn',
        '@message': 'slow',
        '@module': 'agent.http',
        '@timestamp': '2026-12-01T22:25:24.441Z',
        latencyMs: 900,
      },
    );
  });

  it('makes any other line the message of an info record', () => {
    assert.deepEqual(parsed('Lock: acquired\n'), { '@level': 'info', '@message': 'Lock: acquired' });
  });
});
