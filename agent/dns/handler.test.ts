// Proves the message pipeline on encoded bytes (no sockets): header flags (AA, RD echoed, RA with recursors),
// UDP truncation (udp_answer_limit without EDNS0; size cuts fit 512 bytes or the advertised EDNS0 size; TC on any
// cut, UDP or TCP, only with enable_truncate, as Consul's trimDNSResponse), complete TCP answers, SRV additionals kept in step with the answers, the OPT
// echo, REFUSED/forwarding outside the domain, FORMERR/NOTIMP, and malformed packets dropped and counted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import { DnsCounters } from './counters.js';
import { DnsHandler, type DnsHandlerConfig } from './handler.js';
import { defaultSoaSettings } from './records.js';
import { DnsResolver } from './resolver.js';
import { FakeCatalog, fakeInstance, fakeNode } from './testing/fake-catalog.js';

interface SetupOptions extends Partial<DnsHandlerConfig> {
  readonly instances?: number;
  readonly service?: string;
  readonly forward?: (query: Buffer) => Promise<Buffer | null>;
}

function setup(options: SetupOptions = {}) {
  const catalog = new FakeCatalog();
  for (let position = 0; position < (options.instances ?? 20); position++)
    catalog.entries.push(
      fakeInstance(
        fakeNode(`node-${position}`, `10.1.${Math.floor(position / 250)}.${position % 250}`),
        options.service ?? 'web',
      ),
    );
  const counters = new DnsCounters();
  const resolver = new DnsResolver(
    { rpc: catalog, rand: new SeededRand(3), clock: new ManualClock(), log: silentLogger() },
    {
      domain: 'consul.',
      altDomain: null,
      datacenter: 'dc1',
      allowStale: true,
      maxStaleMs: Number.MAX_SAFE_INTEGER,
      onlyPassing: false,
      aRecordLimit: 0,
      nodeTtlMs: 0,
      serviceTtlMs: {},
      enableAdditionalNodeMetaTxt: true,
      soa: defaultSoaSettings,
      recursorsConfigured: options.forward !== undefined,
    },
  );
  const handler = new DnsHandler(
    {
      resolver,
      forwarder: options.forward ? { forward: options.forward } : null,
      counters,
      log: silentLogger(),
    },
    { udpAnswerLimit: options.udpAnswerLimit ?? 3, enableTruncate: options.enableTruncate ?? false },
  );
  return { handler, counters };
}

function query(name: string, type: string, ednsSizeBytes: number | null = null, id = 4242): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A', class: 'IN' }],
    additionals:
      ednsSizeBytes === null
        ? []
        : [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: ednsSizeBytes,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
  });
}

async function exchange(
  handler: DnsHandler,
  bytes: Buffer,
  transport: 'udp' | 'tcp' = 'udp',
): Promise<DecodedPacket & { rcode?: string; raw: Buffer }> {
  const reply = await handler.handle(bytes, transport);
  assert.ok(reply !== null, 'a reply');
  return Object.assign(dnsPacket.decode(reply) as DecodedPacket & { rcode?: string }, { raw: reply });
}

const answersOf = (packet: DecodedPacket) => packet.answers ?? [];
const nonOpt = (records: readonly Answer[] | undefined) => (records ?? []).filter((record) => record.type !== 'OPT');

describe('DnsHandler', () => {
  it('answers with the request ID, AA set, RD echoed and RA off without recursors', async () => {
    const { handler, counters } = setup({ instances: 1 });
    const reply = await exchange(handler, query('web.service.consul', 'A'));
    assert.equal(reply.id, 4242);
    assert.equal(reply.rcode, 'NOERROR');
    assert.deepEqual([reply.flag_aa, reply.flag_rd, reply.flag_ra, reply.flag_tc], [true, true, false, false]);
    assert.deepEqual(counters.snapshot().queries, { 'A NOERROR': 1 });
  });

  it('cuts UDP answers to udp_answer_limit without EDNS0, setting TC only with enable_truncate', async () => {
    const quiet = await exchange(setup().handler, query('web.service.consul', 'A'));
    assert.equal(answersOf(quiet).length, 3);
    assert.equal(quiet.flag_tc, false);
    const { handler, counters } = setup({ enableTruncate: true });
    const flagged = await exchange(handler, query('web.service.consul', 'A'));
    assert.equal(answersOf(flagged).length, 3);
    assert.equal(flagged.flag_tc, true);
    assert.equal(counters.snapshot().truncated, 1);
  });

  it('caps udp_answer_limit at 8', async () => {
    const reply = await exchange(setup({ udpAnswerLimit: 50 }).handler, query('web.service.consul', 'A'));
    assert.equal(answersOf(reply).length, 8);
  });

  it('keeps SRV additionals in step with the answers that survive a cut', async () => {
    const reply = await exchange(setup().handler, query('web.service.consul', 'SRV'));
    const targets = answersOf(reply).map((record) => (record.type === 'SRV' ? record.data.target : ''));
    assert.equal(targets.length, 3);
    const glueNames = nonOpt(reply.additionals)
      .filter((record) => record.type === 'A')
      .map((record) => record.name);
    assert.deepEqual([...glueNames].sort(), [...targets].sort());
  });

  it('fills an EDNS0 client up to its advertised size and echoes OPT; TC only with enable_truncate', async () => {
    const { handler, counters } = setup({ instances: 200 });
    const reply = await exchange(handler, query('web.service.consul', 'A', 1232));
    const count = answersOf(reply).length;
    assert.ok(count > 8 && count < 200, `got ${count} answers`);
    assert.ok(reply.raw.length <= 1232, `reply is ${reply.raw.length} bytes`);
    assert.equal(reply.flag_tc, false, 'Consul sets TC only with enable_truncate');
    assert.equal(counters.snapshot().truncated, 1, 'the cut is still counted');
    const opt = (reply.additionals ?? []).find((record) => record.type === 'OPT');
    assert.ok(opt && 'udpPayloadSize' in opt && opt.udpPayloadSize === 1232);

    const flagged = await exchange(
      setup({ instances: 200, enableTruncate: true }).handler,
      query('web.service.consul', 'A', 1232),
    );
    assert.equal(answersOf(flagged).length, count);
    assert.equal(flagged.flag_tc, true);
  });

  it('answers an EDNS0 client whose answers all fit without TC', async () => {
    const reply = await exchange(setup({ instances: 40 }).handler, query('web.service.consul', 'A', 4096));
    assert.equal(answersOf(reply).length, 40);
    assert.equal(reply.flag_tc, false);
  });

  it('shrinks a plain 512-byte answer for size, setting TC only with enable_truncate', async () => {
    const service = 'a-rather-long-service-name-for-this-test';
    for (const enableTruncate of [false, true]) {
      const { handler } = setup({ instances: 30, udpAnswerLimit: 8, service, enableTruncate });
      const reply = await exchange(handler, query(`${service}.service.consul`, 'SRV'));
      assert.ok(reply.raw.length <= 512, `reply is ${reply.raw.length} bytes`);
      assert.ok(answersOf(reply).length < 8);
      assert.equal(reply.flag_tc, enableTruncate);
    }
  });

  it('cuts a TCP answer to 64 KiB, setting TC only with enable_truncate', async () => {
    for (const enableTruncate of [false, true]) {
      const { handler } = setup({ instances: 2500, enableTruncate });
      const reply = await exchange(handler, query('web.service.consul', 'A'), 'tcp');
      const count = answersOf(reply).length;
      assert.ok(count > 1000 && count < 2500, `got ${count} answers`);
      assert.ok(reply.raw.length <= 65_535, `reply is ${reply.raw.length} bytes`);
      assert.equal(reply.flag_tc, enableTruncate);
    }
  });

  it('answers TCP completely', async () => {
    const { handler } = setup({ instances: 200 });
    const reply = await exchange(handler, query('web.service.consul', 'A'), 'tcp');
    assert.equal(answersOf(reply).length, 200);
    assert.equal(reply.flag_tc, false);
    const srv = await exchange(handler, query('web.service.consul', 'SRV'), 'tcp');
    assert.equal(answersOf(srv).length, 200);
    assert.equal(nonOpt(srv.additionals).length, 200);
  });

  it('answers NXDOMAIN with the SOA in AUTHORITY', async () => {
    const reply = await exchange(setup().handler, query('nope.service.consul', 'A'));
    assert.equal(reply.rcode, 'NXDOMAIN');
    assert.deepEqual(
      (reply.authorities ?? []).map((record) => record.type),
      ['SOA'],
    );
  });

  it('refuses names outside the domain without recursors', async () => {
    const { handler, counters } = setup();
    const reply = await exchange(handler, query('example.com', 'A'));
    assert.equal(reply.rcode, 'REFUSED');
    assert.equal(reply.flag_aa, false);
    assert.equal(counters.snapshot().queries['A REFUSED'], 1);
  });

  it('relays a recursor reply as it came, and answers SERVFAIL with RA when every recursor fails', async () => {
    const relayed = Buffer.from('relayed reply bytes');
    let asked: Buffer | null = null;
    const forwarding = setup({
      forward: async (bytes) => {
        asked = bytes;
        return Buffer.concat([bytes.subarray(0, 3), Buffer.from([0x80]), relayed]);
      },
    });
    const question = query('example.com', 'A');
    const reply = await forwarding.handler.handle(question, 'udp');
    assert.deepEqual(asked, question);
    assert.ok(reply?.subarray(4).equals(relayed));
    assert.equal(forwarding.counters.snapshot().forwarded, 1);
    const failing = setup({ forward: async () => null });
    const failed = await exchange(failing.handler, query('example.com', 'A'));
    assert.deepEqual([failed.rcode, failed.flag_ra], ['SERVFAIL', true]);
    assert.equal(failing.counters.snapshot().forwardFailed, 1);
    const inside = await exchange(failing.handler, query('web.service.consul', 'A'));
    assert.equal(inside.flag_ra, true);
  });

  it('answers FORMERR for two questions and NOTIMP for another opcode', async () => {
    const { handler } = setup();
    const two = dnsPacket.encode({
      type: 'query',
      id: 1,
      questions: [
        { name: 'web.service.consul', type: 'A' },
        { name: 'web.service.consul', type: 'SRV' },
      ],
    });
    assert.equal((await exchange(handler, two)).rcode, 'FORMERR');
    const update = query('web.service.consul', 'A');
    update[2] = (update[2]! & 0x87) | (5 << 3); // opcode 5 (UPDATE)
    assert.equal((await exchange(handler, update)).rcode, 'NOTIMP');
  });

  it('drops and counts malformed packets, replies sent to it and oversized packets', async () => {
    const { handler, counters } = setup();
    const garbage = [
      Buffer.from([1, 2, 3]),
      Buffer.from('this is not a dns packet at all, just text'),
      query('web.service.consul', 'A').subarray(0, 20),
      Buffer.alloc(5_000),
      dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'x.consul', type: 'A' }] }),
    ];
    for (const bytes of garbage) assert.equal(await handler.handle(bytes, 'udp'), null);
    assert.equal(counters.snapshot().malformedDropped, garbage.length);
  });
});
