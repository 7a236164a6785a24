// A user's snapshot restore (PUT /v1/snapshot) as Raft entries, so every server swaps its whole state store at one
// log position, as Consul's raft.Restore gives by installing the snapshot: the uploaded bytes travel in `restore`
// commands of at most restorePartSizeBytesMax each (one Raft entry stays small), which every FSM stages in log
// order; the last part decodes the whole snapshot and replaces the store in one step, keeping the indexes as the
// snapshot stored them, and wakes every blocking query (StateStore.restore fires every watcher, Consul's
// Abandon). Readers see the old state or the new, never a half. An upload that stops (its leader died) never
// reaches the store: its staged parts are dropped by the first entry of a later term. Staged parts are part of the
// FSM's Raft snapshots (snapshot-format.ts, format 6), so a replica restored from one mid-upload still finishes.

import { createHash } from 'node:crypto';
import { isGzip, readSnapshotArchive } from '../snapshot-archive.js';
import { InvalidWriteError } from '../state/errors.js';
import { tableIndexKey } from '../state/indexes.js';
import type { StateStore, StoreContents } from '../state/store.js';
import { autopilotConfigSchema } from '../state/tables/autopilot.js';
import { nodesSchema } from '../state/tables/catalog.js';
import { type CaRootRow, caConfigSchema, caRootsSchema } from '../state/tables/connect.js';
import type { TableSchema } from '../state/tables/table.js';
import { type ReadSnapshot, readSnapshotSync, type StagedRestore } from './snapshot-format.js';

/** Bytes of one part: an entry well inside the transport's limits, batched with others up to its message size. */
export const restorePartSizeBytesMax = 1024 * 1024;
/** Parts of one restore: the RPC carries at most 15 MiB (server/endpoints/snapshot.ts), with room to spare. */
export const restorePartsMax = 64;
const restoreIdLengthMax = 64;

/** One `restore` command: part `Part` of `Parts` of upload `ID`; `SHA256` (hex) of the whole upload on each. */
export interface RestorePartRequest {
  readonly ID: string;
  readonly Part: number;
  readonly Parts: number;
  readonly SHA256: string;
  readonly Data: Uint8Array;
}

/** What the last part answers: the snapshot's node count and the highest index it holds. */
export interface RestoreOutcome {
  readonly NodesRestored: number;
  readonly RestoredIndex: number;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Splits an upload into the parts of one restore (at least one, even for empty bytes, which the FSM refuses). */
export function restoreParts(id: string, data: Uint8Array): RestorePartRequest[] {
  const count = Math.max(1, Math.ceil(data.byteLength / restorePartSizeBytesMax));
  if (count > restorePartsMax)
    throw new InvalidWriteError(`snapshot over ${restorePartsMax * restorePartSizeBytesMax} bytes`);
  const digest = sha256(data);
  return Array.from({ length: count }, (_, part) => ({
    ID: id,
    Part: part,
    Parts: count,
    SHA256: digest,
    Data: data.subarray(part * restorePartSizeBytesMax, (part + 1) * restorePartSizeBytesMax),
  }));
}

/**
 * Decodes an upload as a restore reads it: Consul's archive layout (what /v1/snapshot saves) or a bare FSM
 * snapshot as older Lattice saved; every checksum verified. Throws on anything else.
 */
export function decodeUploadedSnapshot(data: Uint8Array): ReadSnapshot {
  const state = isGzip(data) ? readSnapshotArchive(data).state : data;
  return readSnapshotSync(state);
}

/**
 * The contents a restore installs: the snapshot's, except that a cluster is never left without a CA nor loses its
 * autopilot configuration to a snapshot that has none (written before those tables existed, or before the CA was
 * initialized): those rows and their indexes stay as they are live.
 */
export function contentsToInstall(store: StateStore, snapshot: ReadSnapshot): StoreContents {
  const tables = new Map<string, unknown[]>([...snapshot.contents.tables].map(([name, rows]) => [name, [...rows]]));
  const indexes = new Map<string, number>(snapshot.contents.indexes);
  // biome-ignore lint/suspicious/noExplicitAny: schemas of different row types
  const keepLive = (schemas: readonly TableSchema<any>[]): void => {
    for (const schema of schemas) {
      tables.set(schema.name, [...store.table(schema).all()]);
      const key = tableIndexKey(schema.name);
      if (store.indexes.has(key)) indexes.set(key, store.indexes.get(key));
      else indexes.delete(key);
    }
  };
  const roots = (tables.get(caRootsSchema.name) ?? []) as CaRootRow[];
  if (!roots.some((root) => root.Active)) keepLive([caConfigSchema, caRootsSchema]);
  if ((tables.get(autopilotConfigSchema.name) ?? []).length === 0) keepLive([autopilotConfigSchema]);
  return { tables, indexes };
}

function checkRequest(request: RestorePartRequest): void {
  const { ID: id, Part: part, Parts: parts, SHA256: digest, Data: data } = request;
  if (typeof id !== 'string' || id === '' || id.length > restoreIdLengthMax)
    throw new InvalidWriteError(`restore ID must be 1..${restoreIdLengthMax} characters`);
  if (!Number.isSafeInteger(parts) || parts < 1 || parts > restorePartsMax)
    throw new InvalidWriteError(`restore Parts must be 1..${restorePartsMax}`);
  if (!Number.isSafeInteger(part) || part < 0 || part >= parts)
    throw new InvalidWriteError(`restore Part must be 0..${parts - 1}`);
  if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest))
    throw new InvalidWriteError('restore SHA256 must be 64 hex digits');
  if (!(data instanceof Uint8Array) || data.byteLength > restorePartSizeBytesMax)
    throw new InvalidWriteError(`restore Data must be bytes, at most ${restorePartSizeBytesMax}`);
}

/**
 * The staged parts of the restore in progress, inside the FSM: deterministic (only the entries' order, terms and
 * bytes decide), so every replica stages, drops and installs alike.
 */
export class RestoreStaging {
  private staging: (StagedRestore & { parts: Uint8Array[] }) | null = null;

  /** What a Raft snapshot must carry to finish the restore on a replica restored from it. */
  get staged(): StagedRestore | null {
    return this.staging === null ? null : { ...this.staging, parts: [...this.staging.parts] };
  }

  /** Takes back the staged parts of a Raft snapshot (or none). */
  load(staged: StagedRestore | null): void {
    this.staging = staged === null ? null : { ...staged, parts: [...staged.parts] };
  }

  /** Called for every applied entry before its command: a later term abandons an unfinished upload. */
  observeTerm(term: number): void {
    if (this.staging !== null && term !== this.staging.term) this.staging = null;
  }

  /**
   * Stages one part; the last one replaces the store's contents in one swap and answers the outcome. Part 0
   * starts a new upload (an unfinished one is dropped: the leader runs one restore at a time). A part out of
   * sequence, bytes that do not match their digest, or a snapshot the store refuses change nothing in the store
   * and drop their own upload.
   */
  apply(store: StateStore, term: number, request: RestorePartRequest): RestoreOutcome | { readonly Staged: number } {
    checkRequest(request);
    const { ID: id, Part: part, Parts: partCount, SHA256: digest, Data: data } = request;
    if (part === 0) this.staging = { id, digest, term, partCount, parts: [] };
    const staging = this.staging;
    if (
      staging === null ||
      staging.id !== id ||
      staging.digest !== digest ||
      staging.partCount !== partCount ||
      staging.parts.length !== part
    ) {
      // That upload can never complete; another one in progress is left alone.
      if (staging?.id === id) this.staging = null;
      throw new InvalidWriteError(`restore ${id} part ${part} of ${partCount} is out of sequence`);
    }
    staging.parts.push(data);
    if (part < partCount - 1) return { Staged: staging.parts.length };
    this.staging = null;
    const whole = Buffer.concat(staging.parts);
    if (sha256(whole) !== digest) throw new InvalidWriteError(`restore ${id} does not match its SHA256`);
    let snapshot: ReadSnapshot;
    try {
      snapshot = decodeUploadedSnapshot(whole);
    } catch (error) {
      throw new InvalidWriteError(`invalid snapshot: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    const contents = contentsToInstall(store, snapshot);
    store.restore(contents);
    return {
      NodesRestored: store.table(nodesSchema).all().length,
      RestoredIndex: store.latestIndex(),
    };
  }
}
