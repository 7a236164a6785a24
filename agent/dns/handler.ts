// Turns one DNS message into its reply (bytes in, bytes out): decode and validate the request, resolve it (or
// forward it to the recursors), trim it for the transport, set the header flags and encode it. A packet that is
// not a usable query is dropped and counted; it never throws. The sockets live in server.ts.

import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import type { Logger } from '../../lib/log.js';
import type { DnsCounters } from './counters.js';
import { dnsDefaults } from './defaults.js';
import { type Rcode, rcodeNumbers } from './rcode.js';
import type { RecursorForwarder } from './recursor.js';
import type { DnsResolver, Resolution } from './resolver.js';
import { keepAnswers, type Sections, trimTcp, trimUdp, udpLimits } from './truncate.js';

export type DnsTransport = 'udp' | 'tcp';

export interface DnsHandlerComponents {
  readonly resolver: Pick<DnsResolver, 'resolve'>;
  /** Null when no recursors are configured: names outside our zones are REFUSED. */
  readonly forwarder: Pick<RecursorForwarder, 'forward'> | null;
  readonly counters: DnsCounters;
  readonly log: Logger;
}

export interface DnsHandlerConfig {
  readonly udpAnswerLimit: number;
  readonly enableTruncate: boolean;
}

const flagAuthoritative = dnsPacket.AUTHORITATIVE_ANSWER;
const flagTruncated = dnsPacket.TRUNCATED_RESPONSE;
const flagRecursionDesired = dnsPacket.RECURSION_DESIRED;
const flagRecursionAvailable = dnsPacket.RECURSION_AVAILABLE;
const opcodeMask = 0x7800;
/** An OPT record without options: root name (1), type, class, TTL, rdlength (10). */
const optSizeBytes = 11;

export class DnsHandler {
  constructor(
    private readonly components: DnsHandlerComponents,
    readonly config: DnsHandlerConfig,
  ) {}

  /**
   * The reply to send, or null to send nothing (the packet was dropped and counted). `clientIp` is the asker's
   * address, for prepared queries that sort near it (`Near: "_ip"`).
   */
  async handle(bytes: Buffer, transport: DnsTransport, clientIp = ''): Promise<Buffer | null> {
    const { counters } = this.components;
    if (bytes.length > dnsDefaults.queryBytesMax || bytes.length < 12) {
      counters.malformedDropped++;
      return null;
    }
    let request: DecodedPacket;
    try {
      request = dnsPacket.decode(bytes);
    } catch {
      counters.malformedDropped++; // not DNS: counted, and nothing is sent back to an unknown sender
      return null;
    }
    if (request.type === 'response') {
      counters.malformedDropped++; // a reply sent to a server: ignored, as miekg/dns does
      return null;
    }
    try {
      return await this.answer(bytes, request, transport, clientIp);
    } catch (error) {
      this.components.log.error({ err: error }, 'DNS answer failed');
      const question = request.questions?.[0];
      counters.countQuery(question?.type ?? 'OTHER', 'SERVFAIL');
      return this.encode(this.replyBase(request, 0), 'SERVFAIL', { answers: [], authorities: [], additionals: [] });
    }
  }

  private async answer(
    bytes: Buffer,
    request: DecodedPacket,
    transport: DnsTransport,
    clientIp: string,
  ): Promise<Buffer | null> {
    const { counters } = this.components;
    const questions = request.questions ?? [];
    const empty: Sections = { answers: [], authorities: [], additionals: [] };
    const question = questions[0];
    if ((request.flags ?? 0) & opcodeMask) {
      counters.countQuery(question?.type ?? 'OTHER', 'NOTIMP');
      return this.encode(this.replyBase(request, 0), 'NOTIMP', empty);
    }
    // One question per message, as miekg/dns's default accept function insists.
    if (question === undefined || questions.length !== 1) {
      counters.countQuery(question?.type ?? 'OTHER', 'FORMERR');
      return this.encode(this.replyBase(request, 0), 'FORMERR', empty);
    }
    const resolution = await this.components.resolver.resolve({ name: question.name, type: question.type, clientIp });
    if (resolution.kind === 'forward') return this.forward(bytes, request, question.type, transport);
    const recursion = this.components.forwarder === null ? 0 : flagRecursionAvailable;
    return this.answerWith(request, transport, resolution, flagAuthoritative | recursion, question.type);
  }

  private async forward(bytes: Buffer, request: DecodedPacket, type: string, transport: DnsTransport): Promise<Buffer> {
    const { counters, forwarder } = this.components;
    const empty: Sections = { answers: [], authorities: [], additionals: [] };
    if (forwarder === null) {
      // Consul's DNS mux has no handler outside its zones without recursors: REFUSED, not authoritative.
      counters.countQuery(type, 'REFUSED');
      return this.encode(this.replyBase(request, 0), 'REFUSED', empty);
    }
    const reply = await forwarder.forward(bytes, transport);
    if (reply !== null) {
      counters.forwarded++;
      counters.countQuery(type, rcodeName(reply[3]! & 0x0f));
      return reply;
    }
    counters.forwardFailed++;
    counters.countQuery(type, 'SERVFAIL');
    this.components.log.error({ question: request.questions?.[0] }, 'all resolvers failed for question');
    return this.encode(this.replyBase(request, flagRecursionAvailable), 'SERVFAIL', empty);
  }

  private answerWith(
    request: DecodedPacket,
    transport: DnsTransport,
    resolution: Extract<Resolution, { kind: 'answer' }>,
    flags: number,
    type: string,
  ): Buffer {
    const edns = ednsOf(request);
    const base = this.replyBase(request, flags);
    const opt: Answer[] = edns === null ? [] : [optRecord(edns)];
    if (transport === 'udp') {
      // Most answers fit once cut to the answer-count limit (udp_answer_limit, 3 by default, is the usual shape of
      // a service with more instances): cut, encode once and check, rather than measure, trim and encode.
      const limits = udpLimits(edns, this.config.udpAnswerLimit);
      const countCut = limits.answerCountMax !== null && resolution.answers.length > limits.answerCountMax;
      const candidate = countCut
        ? keepAnswers(resolution, resolution.additionals, limits.answerCountMax as number)
        : resolution;
      const candidateFlags =
        countCut && this.config.enableTruncate ? (base.flags ?? 0) | flagTruncated : (base.flags ?? 0);
      const whole = this.encode({ ...base, flags: candidateFlags }, resolution.rcode, {
        ...candidate,
        additionals: [...candidate.additionals, ...opt],
      });
      if (whole.length <= limits.messageBytesMax || candidate.answers.length <= 1) {
        if (countCut) this.components.counters.truncated++;
        this.components.counters.countQuery(type, resolution.rcode);
        return whole;
      }
    }
    const trimmed =
      transport === 'udp'
        ? trimUdp(base, resolution, {
            ednsSizeBytes: edns,
            udpAnswerLimit: this.config.udpAnswerLimit,
            optSizeBytes: edns === null ? 0 : optSizeBytes,
          })
        : trimTcp(base, resolution, type);
    let replyFlags = base.flags ?? 0;
    // Consul's trimDNSResponse: TC for a cut answer (by count or by size, UDP or TCP) only with enable_truncate;
    // without it the client gets the answers that fit, as a Consul agent would give them.
    if (trimmed.trimmed) {
      this.components.counters.truncated++;
      if (this.config.enableTruncate) replyFlags |= flagTruncated;
      // Only a cut for size is logged: the udp_answer_limit cut is the configured shape of every UDP answer for a
      // service with more instances than the limit, and a debug line per query (-dev logs at debug) halved DNS
      // throughput in bench/dns (29k -> 15k q/s). The counter above still counts both.
      if (trimmed.trimmedForSize)
        this.components.log.debug(
          { protocol: transport, records: `${trimmed.answers.length}/${resolution.answers.length}` },
          'DNS response too large, truncated',
        );
    }
    const additionals: Answer[] = [...trimmed.additionals, ...opt];
    this.components.counters.countQuery(type, resolution.rcode);
    return this.encode({ ...base, flags: replyFlags }, resolution.rcode, { ...trimmed, additionals });
  }

  /** The reply header: same ID, question and opcode; RD copied from the request. */
  private replyBase(request: DecodedPacket, flags: number): Packet {
    const requestFlags = request.flags ?? 0;
    return {
      type: 'response',
      id: request.id ?? 0,
      flags: flags | (requestFlags & opcodeMask) | (requestFlags & flagRecursionDesired),
      questions: request.questions ?? [],
    };
  }

  private encode(base: Packet, rcode: Rcode, sections: Sections): Buffer {
    return dnsPacket.encode({
      ...base,
      flags: ((base.flags ?? 0) & ~0x0f) | rcodeNumbers[rcode],
      answers: [...sections.answers],
      authorities: [...sections.authorities],
      additionals: [...sections.additionals],
    });
  }
}

/** The OPT record of a reply to an EDNS0 request: the client's own payload size echoed, as Consul's setEDNS. */
function optRecord(udpPayloadSize: number): Answer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

/** The EDNS0 UDP payload size the request advertised, or null without an OPT record. */
function ednsOf(request: DecodedPacket): number | null {
  const opt = (request.additionals ?? []).find((record) => record.type === 'OPT');
  if (opt === undefined || !('udpPayloadSize' in opt)) return null;
  return opt.udpPayloadSize;
}

function rcodeName(code: number): string {
  const entry = Object.entries(rcodeNumbers).find(([, number]) => number === code);
  return entry ? entry[0] : `RCODE_${code}`;
}
