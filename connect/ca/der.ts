// A small DER reader and writer for the leaf-signing hot path. @peculiar/x509's generic ASN.1 layer spent ~5 ms per
// leaf (parse, verify and build a CSR-derived certificate) against ~0.2 ms of actual ECDSA work; a leaf and a CSR
// have a fixed shape, so reading and writing those few structures directly is both short and fast. Rare operations
// (roots, cross-signing, CSR generation) still use the library.

import { MalformedCertificateError } from '../errors.js';

export interface DerNode {
  readonly tag: number;
  /** The whole TLV, for re-emitting a structure byte for byte (names, public keys, signed parts). */
  readonly raw: Uint8Array;
  readonly content: Uint8Array;
}

/** DER nesting in a CSR or certificate is shallow; a deeper input is garbage or an attack. */
const DEPTH_MAX = 16;

export function readNode(bytes: Uint8Array, offset = 0): DerNode {
  if (offset + 2 > bytes.length) throw new MalformedCertificateError('DER: truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new MalformedCertificateError('DER: multi-byte tags are not used here');
  let length = bytes[offset + 1]!;
  let headerLength = 2;
  if (length & 0x80) {
    const lengthBytes = length & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 3) throw new MalformedCertificateError('DER: bad length');
    if (offset + 2 + lengthBytes > bytes.length) throw new MalformedCertificateError('DER: truncated length');
    length = 0;
    for (let position = 0; position < lengthBytes; position++) length = length * 256 + bytes[offset + 2 + position]!;
    if (length < 0x80) throw new MalformedCertificateError('DER: non-minimal length');
    headerLength += lengthBytes;
  }
  const end = offset + headerLength + length;
  if (end > bytes.length) throw new MalformedCertificateError('DER: truncated value');
  return { tag, raw: bytes.subarray(offset, end), content: bytes.subarray(offset + headerLength, end) };
}

/** The children of a constructed node; the content must be exactly a run of TLVs. */
export function children(node: DerNode, depth = 0): DerNode[] {
  if (depth > DEPTH_MAX) throw new MalformedCertificateError('DER: nested too deep');
  if ((node.tag & 0x20) === 0) throw new MalformedCertificateError('DER: expected a constructed value');
  const found: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const child = readNode(node.content, offset);
    found.push(child);
    offset += child.raw.length;
  }
  return found;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new MalformedCertificateError(`DER: expected ${what}`);
  return node;
}

/** Dotted text of an OBJECT IDENTIFIER's content. */
export function oidText(content: Uint8Array): string {
  if (content.length === 0) throw new MalformedCertificateError('DER: empty OID');
  const first = content[0]!;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let value = 0;
  for (let position = 1; position < content.length; position++) {
    const byte = content[position]!;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

// --- writer ---

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const header =
    length < 0x80
      ? [tag, length]
      : length < 0x100
        ? [tag, 0x81, length]
        : length < 0x10000
          ? [tag, 0x82, length >> 8, length & 0xff]
          : [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const sequence = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes);
export const bitString = (bytes: Uint8Array, unusedBits = 0) => tlv(0x03, Uint8Array.of(unusedBits), bytes);
export const booleanTrue = Uint8Array.of(0x01, 0x01, 0xff);

export function oid(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const groups: number[] = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128))
      groups.unshift((rest & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** A non-negative INTEGER from big-endian magnitude bytes. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return trimmed[0]! & 0x80 ? tlv(0x02, Uint8Array.of(0), trimmed) : tlv(0x02, trimmed);
}

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050, both in whole seconds UTC. */
export function time(ms: number): Uint8Array {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const year = Number(iso.slice(0, 4));
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const text = year >= 1950 && year < 2050 ? `${digits.slice(2)}Z` : `${digits}Z`;
  return tlv(year >= 1950 && year < 2050 ? 0x17 : 0x18, new TextEncoder().encode(text));
}

export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function fromPem(label: string, pem: string): Uint8Array {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const start = pem.indexOf(begin);
  const stop = pem.indexOf(end, start + begin.length);
  if (start === -1 || stop === -1) throw new MalformedCertificateError(`not a PEM ${label}`);
  const body = pem.slice(start + begin.length, stop).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new MalformedCertificateError(`PEM ${label} is not base64`);
  return new Uint8Array(Buffer.from(body, 'base64'));
}
