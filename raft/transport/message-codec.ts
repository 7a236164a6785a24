// The wire form of Raft messages (msgpack via msgpackr) and the validation every decoded value passes at the
// edge: types, ranges and sizes are checked and a fresh RaftMessage built from known fields only, so garbage
// from the network is rejected (and counted by the caller), never handed to the core.

import { Packr } from 'msgpackr';
import type { Entry, EntryType, MessageType, RaftMessage, SnapshotMeta } from '../core/types.js';
import {
  contextSizeBytesMax,
  entryDataSizeBytesMax,
  messageEntryCountMax,
  nameLengthMax,
  snapshotChunkSizeBytes,
  snapshotSizeBytesMax,
} from './defaults.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

const messageTypes: ReadonlySet<string> = new Set<MessageType>([
  'append',
  'append-response',
  'vote',
  'vote-response',
  'pre-vote',
  'pre-vote-response',
  'heartbeat',
  'heartbeat-response',
  'snapshot',
  'timeout-now',
  'read-index',
  'read-index-response',
]);
const entryTypes: ReadonlySet<string> = new Set<EntryType>(['normal', 'conf-change']);

export function encodeFrame(value: unknown): Buffer {
  return packr.pack(value);
}

/** What decodeFrame returns for bytes that are not msgpack: a value every validator rejects (never undefined,
 * which grpc-js would refuse before our handler could count it). */
export const undecodableFrame = Object.freeze({ undecodable: true });

/** Decodes msgpack; `undecodableFrame` when the bytes are not msgpack at all. */
export function decodeFrame(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes) ?? undecodableFrame;
  } catch {
    return undecodableFrame;
  }
}

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isName = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= nameLengthMax;
const isBytes = (value: unknown, sizeBytesMax: number): value is Uint8Array =>
  value instanceof Uint8Array && value.byteLength <= sizeBytesMax;

function toEntry(value: unknown): Entry | null {
  if (!isRecord(value)) return null;
  const { index, term, type, data } = value;
  if (!isCount(index) || !isCount(term) || typeof type !== 'string' || !entryTypes.has(type)) return null;
  if (!isBytes(data, entryDataSizeBytesMax)) return null;
  return { index, term, type: type as EntryType, data };
}

export function toSnapshotMeta(value: unknown): SnapshotMeta | null {
  if (!isRecord(value)) return null;
  const { index, term, conf, addresses } = value;
  if (!isCount(index) || !isCount(term) || !isRecord(conf) || !isRecord(addresses)) return null;
  const { voters, learners } = conf;
  if (!Array.isArray(voters) || !Array.isArray(learners)) return null;
  if (voters.length + learners.length > nameLengthMax) return null;
  if (!voters.every(isName) || !learners.every(isName)) return null;
  const addressEntries = Object.entries(addresses);
  if (addressEntries.length > nameLengthMax) return null;
  if (!addressEntries.every(([id, address]) => isName(id) && isName(address))) return null;
  return {
    index,
    term,
    conf: { voters: [...voters], learners: [...learners] },
    addresses: Object.fromEntries(addressEntries) as Record<string, string>,
  };
}

/** A validated RaftMessage built from `value`, or null when any field is missing, mistyped or too big. */
export function toRaftMessage(value: unknown): RaftMessage | null {
  if (!isRecord(value)) return null;
  const { type, from, to, term, logTerm, index, entries, commit, reject, rejectHint, snapshot, context } = value;
  if (typeof type !== 'string' || !messageTypes.has(type) || !isName(from) || !isName(to)) return null;
  if (!isCount(term) || !isCount(logTerm) || !isCount(index) || !isCount(commit) || !isCount(rejectHint)) return null;
  if (typeof reject !== 'boolean' || !Array.isArray(entries) || entries.length > messageEntryCountMax) return null;
  const checkedEntries: Entry[] = [];
  for (const candidate of entries) {
    const entry = toEntry(candidate);
    // Entries continue the message's index, one by one, in terms no later than the message's (the core asserts
    // both, so a peer sending otherwise must be stopped here rather than crash us).
    if (entry === null || entry.index !== index + 1 + checkedEntries.length || entry.term > term) return null;
    checkedEntries.push(entry);
  }
  if (checkedEntries.length > 0 && type !== 'append') return null;
  const checkedSnapshot = snapshot === null || snapshot === undefined ? null : toSnapshotMeta(snapshot);
  if (snapshot !== null && snapshot !== undefined && checkedSnapshot === null) return null;
  if (context !== null && context !== undefined && !isBytes(context, contextSizeBytesMax)) return null;
  if (type === 'snapshot' && checkedSnapshot === null) return null;
  return {
    type: type as MessageType,
    from,
    to,
    term,
    logTerm,
    index,
    entries: checkedEntries,
    commit,
    reject,
    rejectHint,
    snapshot: checkedSnapshot,
    context: (context as Uint8Array | null | undefined) ?? null,
  };
}

/** The first frame of an InstallSnapshot stream. */
export interface SnapshotHeader {
  readonly from: string;
  readonly to: string;
  readonly meta: SnapshotMeta;
  readonly sizeBytes: number;
}

export function toSnapshotHeader(value: unknown): SnapshotHeader | null {
  if (!isRecord(value) || !isRecord(value['header'])) return null;
  const { from, to, meta, sizeBytes } = value['header'];
  const checkedMeta = toSnapshotMeta(meta);
  if (!isName(from) || !isName(to) || checkedMeta === null) return null;
  if (!isCount(sizeBytes) || sizeBytes > snapshotSizeBytesMax) return null;
  return { from, to, meta: checkedMeta, sizeBytes };
}

/** The data of a snapshot chunk frame, or null when the frame is not one. */
export function toSnapshotChunk(value: unknown): Uint8Array | null {
  if (!isRecord(value)) return null;
  const chunk = value['chunk'];
  return isBytes(chunk, snapshotChunkSizeBytes) ? chunk : null;
}
