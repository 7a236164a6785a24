// Trims a response to what its transport can carry (Consul's trimUDPResponse / trimTCPResponse). UDP: without
// EDNS0 at most min(8, udp_answer_limit) answers, then answers are dropped until the message fits the 512-byte
// limit or the EDNS0 size the client advertised; TCP: the 64 KiB message limit. Additional records follow the
// answers that remain (an SRV answer's target keeps its A/AAAA/TXT). Pure: sizes come from dns-packet's encoder,
// which never compresses names, so a message that fits here also fits once another hop decompresses it.

import { type Answer, encodingLength, type Packet } from 'dns-packet';
import { withoutDot } from './records.js';

/** RFC 1035 §4.2.1: the UDP payload limit without EDNS0. */
export const udpSizeBytesDefault = 512;
/** Consul's maxUDPAnswerLimit: 25 A records fit 512 bytes, but more hurts response times; caps udp_answer_limit. */
export const udpAnswerCountCeiling = 8;
/** Consul's maxUDPDatagramSize: 65535 minus room for the IP headers; a larger EDNS0 size is lowered to this. */
export const udpSizeBytesCeiling = 65_535 - 68;
/** 64 KiB minus the 12-byte header overhead, as Consul's trimTCPResponse. */
export const tcpSizeBytesMax = 65_523;
/** Consul's caps before measuring: more than 4096 records (1024 SRV) can never fit 64 KiB. */
const tcpAnswerCountMax = 4096;
const tcpSrvAnswerCountMax = 1024;

export interface Sections {
  readonly answers: readonly Answer[];
  readonly authorities: readonly Answer[];
  readonly additionals: readonly Answer[];
}

export interface TrimResult extends Sections {
  /** Some answers were removed. */
  readonly trimmed: boolean;
  /** Answers were removed because the message was too large (not only by the answer-count limit). */
  readonly trimmedForSize: boolean;
}

export interface UdpTrimOptions {
  /** The EDNS0 payload size the client advertised, or null without EDNS0. */
  readonly ednsSizeBytes: number | null;
  readonly udpAnswerLimit: number;
  /** Bytes the OPT record adds once appended after trimming. */
  readonly optSizeBytes: number;
}

export interface UdpLimits {
  /** The whole message, OPT included: the client's size less 8 bytes of room for the UDP header, as Consul. */
  readonly messageBytesMax: number;
  /** Null for EDNS0 clients above 512 bytes: they asked for more and are limited by size only. */
  readonly answerCountMax: number | null;
}

export function udpLimits(ednsSizeBytes: number | null, udpAnswerLimit: number): UdpLimits {
  let sizeBytesMax = udpSizeBytesDefault;
  if (ednsSizeBytes !== null && ednsSizeBytes > sizeBytesMax) sizeBytesMax = ednsSizeBytes;
  sizeBytesMax = Math.min(sizeBytesMax, udpSizeBytesCeiling);
  return {
    messageBytesMax: sizeBytesMax - 8,
    answerCountMax: sizeBytesMax === udpSizeBytesDefault ? Math.min(udpAnswerCountCeiling, udpAnswerLimit) : null,
  };
}

/** `base` is the response packet without its sections; its question counts toward the size. */
export function trimUdp(base: Packet, sections: Sections, options: UdpTrimOptions): TrimResult {
  const limits = udpLimits(options.ednsSizeBytes, options.udpAnswerLimit);
  let current: Sections = sections;
  if (limits.answerCountMax !== null && current.answers.length > limits.answerCountMax)
    current = keepAnswers(current, sections.additionals, limits.answerCountMax);
  const fit = fitToSize(base, current, sections.additionals, limits.messageBytesMax - options.optSizeBytes);
  return {
    ...fit.sections,
    trimmed: fit.sections.answers.length < sections.answers.length,
    trimmedForSize: fit.trimmed,
  };
}

export function trimTcp(base: Packet, sections: Sections, questionType: string): TrimResult {
  const countMax = questionType === 'SRV' ? tcpSrvAnswerCountMax : tcpAnswerCountMax;
  let current: Sections = sections;
  if (current.answers.length > countMax) current = keepAnswers(current, sections.additionals, countMax);
  const fit = fitToSize(base, current, sections.additionals, tcpSizeBytesMax);
  return {
    ...fit.sections,
    trimmed: fit.sections.answers.length < sections.answers.length,
    trimmedForSize: fit.trimmed,
  };
}

function sizeOf(base: Packet, sections: Sections): number {
  return encodingLength({
    ...base,
    answers: [...sections.answers],
    authorities: [...sections.authorities],
    additionals: [...sections.additionals],
  });
}

/** Drops answers (never the last one: a lone large record is still sent) until the message fits `sizeBytesMax`. */
function fitToSize(
  base: Packet,
  sections: Sections,
  allAdditionals: readonly Answer[],
  sizeBytesMax: number,
): { sections: Sections; trimmed: boolean } {
  if (sections.answers.length <= 1 || sizeOf(base, sections) <= sizeBytesMax) return { sections, trimmed: false };
  // The authority section goes first: it only carries the SOA or NS records.
  const withoutAuthority: Sections = { ...sections, authorities: [] };
  // Binary search for the largest answer count that fits (size grows with the count).
  let fits = 1;
  let tooBig = sections.answers.length + 1;
  while (tooBig - fits > 1) {
    const middle = Math.floor((fits + tooBig) / 2);
    if (sizeOf(base, keepAnswers(withoutAuthority, allAdditionals, middle)) <= sizeBytesMax) fits = middle;
    else tooBig = middle;
  }
  const kept = keepAnswers(withoutAuthority, allAdditionals, fits);
  return { sections: kept, trimmed: kept.answers.length < sections.answers.length };
}

/** The first `count` answers, with the additional records their SRV targets need (Consul's syncExtra). */
export function keepAnswers(sections: Sections, allAdditionals: readonly Answer[], count: number): Sections {
  const answers = sections.answers.slice(0, count);
  return { answers, authorities: sections.authorities, additionals: additionalsFor(answers, allAdditionals) };
}

export function additionalsFor(answers: readonly Answer[], allAdditionals: readonly Answer[]): Answer[] {
  const byName = new Map<string, Answer[]>();
  for (const record of allAdditionals) {
    const name = withoutDot(record.name).toLowerCase();
    const list = byName.get(name);
    if (list) list.push(record);
    else byName.set(name, [record]);
  }
  const kept: Answer[] = [];
  const resolved = new Set<string>();
  for (const answer of answers) {
    if (answer.type !== 'SRV') continue;
    let target: string | null = withoutDot(answer.data.target).toLowerCase();
    // A target may be a CNAME whose own records are also in the additional section: follow it.
    while (target !== null && !resolved.has(target)) {
      resolved.add(target);
      const records: Answer[] = byName.get(target) ?? [];
      kept.push(...records);
      const cname = records.find((record) => record.type === 'CNAME');
      target = cname && 'data' in cname && typeof cname.data === 'string' ? withoutDot(cname.data).toLowerCase() : null;
    }
  }
  return kept;
}
