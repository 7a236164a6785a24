// Proves the trimming rules as tables on plain record lists: the UDP limits (answer count only for 512-byte
// clients, capped at 8; EDNS0 sizes raised from 512 and lowered to the datagram ceiling), size cuts that keep at
// least one answer and drop the authority section first, TCP's count caps, and additionals that follow the SRV
// answers left (CNAME chains included).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Answer, encodingLength, type Packet } from 'dns-packet';
import { additionalsFor, trimTcp, trimUdp, udpLimits, udpSizeBytesCeiling } from './truncate.js';

const base: Packet = { type: 'response', id: 1, questions: [{ name: 'web.service.consul', type: 'A' }] };
const a = (position: number): Answer => ({
  type: 'A',
  name: 'web.service.consul',
  ttl: 0,
  data: `10.0.${Math.floor(position / 256)}.${position % 256}`,
});
const srv = (target: string): Answer => ({
  type: 'SRV',
  name: 'web.service.consul',
  ttl: 0,
  data: { priority: 1, weight: 1, port: 80, target },
});
const glue = (name: string, ip: string): Answer => ({ type: 'A', name, ttl: 0, data: ip });
const soa: Answer = {
  type: 'SOA',
  name: 'consul',
  ttl: 0,
  data: {
    mname: 'ns.consul',
    rname: 'hostmaster.consul',
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: 0,
  },
};

describe('udpLimits', () => {
  const table: [number | null, number, { messageBytesMax: number; answerCountMax: number | null }][] = [
    [null, 3, { messageBytesMax: 504, answerCountMax: 3 }],
    [null, 50, { messageBytesMax: 504, answerCountMax: 8 }],
    [256, 3, { messageBytesMax: 504, answerCountMax: 3 }],
    [512, 3, { messageBytesMax: 504, answerCountMax: 3 }],
    [1232, 3, { messageBytesMax: 1224, answerCountMax: null }],
    [65_535, 3, { messageBytesMax: udpSizeBytesCeiling - 8, answerCountMax: null }],
  ];
  for (const [edns, limit, expected] of table)
    it(`EDNS0 ${edns ?? 'none'}, udp_answer_limit ${limit}`, () => assert.deepEqual(udpLimits(edns, limit), expected));
});

describe('trimUdp', () => {
  it('cuts a plain client to the answer limit without calling it a size cut', () => {
    const answers = Array.from({ length: 10 }, (_, position) => a(position));
    const result = trimUdp(
      base,
      { answers, authorities: [], additionals: [] },
      {
        ednsSizeBytes: null,
        udpAnswerLimit: 3,
        optSizeBytes: 0,
      },
    );
    assert.deepEqual(result.answers, answers.slice(0, 3));
    assert.deepEqual([result.trimmed, result.trimmedForSize], [true, false]);
  });

  it('fills an EDNS0 size exactly as far as it fits, dropping the authority section first', () => {
    const answers = Array.from({ length: 300 }, (_, position) => a(position));
    const result = trimUdp(
      base,
      { answers, authorities: [soa], additionals: [] },
      {
        ednsSizeBytes: 1232,
        udpAnswerLimit: 3,
        optSizeBytes: 11,
      },
    );
    const size = encodingLength({ ...base, answers: [...result.answers], authorities: [...result.authorities] });
    assert.ok(size <= 1232 - 8 - 11, `${size} bytes`);
    const oneMore = encodingLength({ ...base, answers: answers.slice(0, result.answers.length + 1) });
    assert.ok(oneMore > 1232 - 8 - 11, 'one more answer would not fit');
    assert.deepEqual(result.authorities, []);
    assert.deepEqual([result.trimmed, result.trimmedForSize], [true, true]);
  });

  it('sends a single answer even when it alone is too large, and leaves small answers alone', () => {
    const huge: Answer = { type: 'TXT', name: 'n1.node.consul', ttl: 0, data: [Buffer.alloc(255), Buffer.alloc(255)] };
    const single = trimUdp(
      base,
      { answers: [huge], authorities: [], additionals: [] },
      {
        ednsSizeBytes: null,
        udpAnswerLimit: 3,
        optSizeBytes: 0,
      },
    );
    assert.deepEqual([single.answers.length, single.trimmed], [1, false]);
    const small = trimUdp(
      base,
      { answers: [a(1), a(2)], authorities: [soa], additionals: [] },
      {
        ednsSizeBytes: null,
        udpAnswerLimit: 3,
        optSizeBytes: 0,
      },
    );
    assert.deepEqual([small.answers.length, small.authorities.length, small.trimmed], [2, 1, false]);
  });
});

describe('trimTcp', () => {
  it('keeps everything that fits 64 KiB, cuts beyond it, and caps SRV answers at 1024', () => {
    const answers = Array.from({ length: 3_000 }, (_, position) => a(position));
    const some = answers.slice(0, 1_500);
    assert.equal(trimTcp(base, { answers: some, authorities: [], additionals: [] }, 'A').answers.length, 1_500);
    // dns-packet never compresses names: 34 bytes per A record here, so about 1,900 fit 64 KiB.
    const cut = trimTcp(base, { answers, authorities: [], additionals: [] }, 'A');
    assert.ok(cut.trimmed && cut.answers.length > 1_800);
    assert.ok(encodingLength({ ...base, answers: [...cut.answers] }) <= 65_523);
    const srvs = Array.from({ length: 1_100 }, (_, position) => srv(`n${position}.node.dc1.consul`));
    const result = trimTcp(base, { answers: srvs, authorities: [], additionals: [] }, 'SRV');
    assert.equal(result.answers.length, 1_024);
    assert.equal(result.trimmed, true);
  });
});

describe('additionalsFor', () => {
  it('keeps the records of the SRV targets left, following CNAMEs, and nothing for A answers', () => {
    const additionals = [
      glue('n1.node.dc1.consul', '10.0.0.1'),
      { type: 'TXT', name: 'n1.node.dc1.consul', ttl: 0, data: 'env=prod' } as Answer,
      glue('n2.node.dc1.consul', '10.0.0.2'),
      { type: 'CNAME', name: 'db.example.com', ttl: 0, data: 'db-1.example.com' } as Answer,
      glue('db-1.example.com', '192.0.2.1'),
    ];
    assert.deepEqual(
      additionalsFor([srv('N1.node.dc1.consul.'), srv('db.example.com')], additionals).map((record) => record.name),
      ['n1.node.dc1.consul', 'n1.node.dc1.consul', 'db.example.com', 'db-1.example.com'],
    );
    assert.deepEqual(additionalsFor([a(1)], additionals), []);
  });
});
