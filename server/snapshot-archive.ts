// Consul's snapshot archive (consul/snapshot/archive.go): a gzip-compressed tar of `meta.json` (hashicorp/raft's
// SnapshotMeta: Version, ID, Index, Term, Configuration, ConfigurationIndex, Size), `state.bin` (the FSM's
// snapshot) and `SHA256SUMS` (sha256sum lines for the other two), so `GET /v1/snapshot` and `lattice snapshot save`
// produce files laid out as Consul's and tools that unpack or checksum them work. `state.bin` holds Lattice's
// FSM format (server/fsm/snapshot-format.ts), not Consul's msgpack records: a Consul snapshot still cannot be
// restored here, nor ours into Consul. Reading verifies both checksums and refuses unexpected or missing files.

import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LatticeError } from '../lib/errors.js';

const blockSizeBytes = 512;
/** Archives larger than this once unpacked are refused (the servers' own limit is far below it). */
export const archiveSizeBytesMax = 256 * 1024 * 1024;
const metaFile = 'meta.json';
const stateFile = 'state.bin';
const sumsFile = 'SHA256SUMS';

export class SnapshotArchiveError extends LatticeError {
  override readonly name: string = 'SnapshotArchiveError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_SNAPSHOT_ARCHIVE', message, options);
  }
}

export interface RaftServerEntry {
  /** 0 voter, 1 non-voter (hashicorp/raft ServerSuffrage). */
  readonly Suffrage: number;
  readonly ID: string;
  readonly Address: string;
}

/** hashicorp/raft SnapshotMeta as JSON, as Consul writes meta.json. */
export interface SnapshotArchiveMeta {
  readonly Version: number;
  readonly ID: string;
  readonly Index: number;
  readonly Term: number;
  readonly Peers: null;
  readonly Configuration: { readonly Servers: readonly RaftServerEntry[] };
  readonly ConfigurationIndex: number;
  readonly Size: number;
}

export interface SnapshotArchive {
  readonly meta: SnapshotArchiveMeta;
  readonly state: Uint8Array;
}

export interface ArchiveMetaInput {
  readonly index: number;
  readonly term: number;
  readonly servers: readonly RaftServerEntry[];
  readonly configurationIndex: number;
  /** Wall-clock time of the save, for the ID (raft: term-index-unixMillis). */
  readonly wallMs: number;
}

/** Whether `bytes` starts like a gzip stream (an archive) rather than a bare Lattice FSM snapshot. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(name: string, sizeBytes: number, mtimeS: number): Buffer {
  const header = Buffer.alloc(blockSizeBytes);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o600, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(sizeBytes, 12), 124, 'ascii');
  header.write(octal(mtimeS, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

function padding(sizeBytes: number): Buffer {
  return Buffer.alloc((blockSizeBytes - (sizeBytes % blockSizeBytes)) % blockSizeBytes);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The archive's bytes: meta.json, state.bin and SHA256SUMS in a gzipped tar, as Consul writes it. */
export function writeSnapshotArchive(state: Uint8Array, input: ArchiveMetaInput): Buffer {
  const meta: SnapshotArchiveMeta = {
    Version: 1,
    ID: `${input.term}-${input.index}-${Math.floor(input.wallMs)}`,
    Index: input.index,
    Term: input.term,
    Peers: null,
    Configuration: { Servers: input.servers },
    ConfigurationIndex: input.configurationIndex,
    Size: state.byteLength,
  };
  const metaBytes = Buffer.from(JSON.stringify(meta));
  const sums = Buffer.from(`${sha256(metaBytes)}  ${metaFile}\n${sha256(state)}  ${stateFile}\n`);
  const mtimeS = Math.floor(input.wallMs / 1000);
  const parts: Buffer[] = [];
  for (const [name, bytes] of [
    [metaFile, metaBytes],
    [stateFile, Buffer.from(state.buffer, state.byteOffset, state.byteLength)],
    [sumsFile, sums],
  ] as const) {
    parts.push(tarHeader(name, bytes.length, mtimeS), bytes, padding(bytes.length));
  }
  parts.push(Buffer.alloc(2 * blockSizeBytes));
  return gzipSync(Buffer.concat(parts));
}

function readOctal(field: Buffer): number {
  const text = field
    .toString('ascii')
    .replace(/[\0 ]+$/g, '')
    .replace(/^[\0 ]+/, '');
  if (!/^[0-7]*$/.test(text)) throw new SnapshotArchiveError('malformed tar header');
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** The regular files of a tar, by name; other entry types (directories, PAX headers) are skipped. */
function untar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + blockSizeBytes <= tar.length) {
    const header = tar.subarray(offset, offset + blockSizeBytes);
    if (header.every((byte) => byte === 0)) return files;
    let sum = 0;
    for (let position = 0; position < blockSizeBytes; position++)
      sum += position >= 148 && position < 156 ? 0x20 : (header[position] as number);
    if (readOctal(header.subarray(148, 156)) !== sum) throw new SnapshotArchiveError('tar header checksum mismatch');
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const sizeBytes = readOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] as number);
    const start = offset + blockSizeBytes;
    if (start + sizeBytes > tar.length) throw new SnapshotArchiveError(`tar entry ${name} is truncated`);
    if (type === '0' || type === '\0') {
      if (files.has(name)) throw new SnapshotArchiveError(`duplicate file ${name} in snapshot`);
      files.set(name, tar.subarray(start, start + sizeBytes));
    }
    offset = start + sizeBytes + padding(sizeBytes).length;
  }
  throw new SnapshotArchiveError('tar archive ends without its end marker');
}

function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match === null) throw new SnapshotArchiveError(`malformed ${sumsFile} line`);
    sums.set(match[2] as string, match[1] as string);
  }
  return sums;
}

/** Unpacks and verifies an archive (Consul's snapshot.Read): both files present and matching SHA256SUMS. */
export function readSnapshotArchive(bytes: Uint8Array): SnapshotArchive {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: archiveSizeBytesMax });
  } catch (error) {
    throw new SnapshotArchiveError('snapshot is not a readable gzip stream', { cause: error });
  }
  const files = untar(tar);
  for (const name of files.keys())
    if (![metaFile, stateFile, sumsFile, `${sumsFile}.sealed`].includes(name))
      throw new SnapshotArchiveError(`unexpected file "${name}" in snapshot`);
  const metaBytes = files.get(metaFile);
  const state = files.get(stateFile);
  const sumsBytes = files.get(sumsFile);
  if (metaBytes === undefined || state === undefined || sumsBytes === undefined)
    throw new SnapshotArchiveError(`snapshot must hold ${metaFile}, ${stateFile} and ${sumsFile}`);
  const sums = parseSums(sumsBytes.toString('utf8'));
  for (const [name, content] of [
    [metaFile, metaBytes],
    [stateFile, state],
  ] as const) {
    if (sums.get(name) !== sha256(content)) throw new SnapshotArchiveError(`${name} does not match its SHA256 sum`);
  }
  let meta: SnapshotArchiveMeta;
  try {
    meta = JSON.parse(metaBytes.toString('utf8')) as SnapshotArchiveMeta;
  } catch (error) {
    throw new SnapshotArchiveError(`${metaFile} is not JSON`, { cause: error });
  }
  if (
    typeof meta !== 'object' ||
    meta === null ||
    !Number.isSafeInteger(meta.Index) ||
    !Number.isSafeInteger(meta.Term)
  )
    throw new SnapshotArchiveError(`${metaFile} lacks Index or Term`);
  return { meta, state };
}
