// Snapshot save and restore for the Server: save streams the FSM's copy-on-write capture in server/fsm's format
// (the bytes `lattice snapshot inspect` reads); restore verifies a whole snapshot first, then turns it into the
// ordinary catalog commands that make the live catalog equal to it, so it goes through Raft like any write.

import { throwIfAborted } from '../lib/lifecycle.js';
import { type Command, coordinateBatchUpdateCommand, deregisterCommand, registerCommand } from './fsm/commands.js';
import type { CatalogFsm } from './fsm/fsm.js';
import { readSnapshot } from './fsm/snapshot-format.js';
import { BadRequestError } from './rpc/errors.js';
import type { SnapshotSaveReply } from './rpc/methods.js';
import { nodes } from './state/catalog-reads.js';
import type { StateStore } from './state/store.js';
import type { CoordinateEntry, HealthCheck, Node, ServiceInstance } from './state/types.js';

export async function snapshotBytes(fsm: CatalogFsm, signal?: AbortSignal): Promise<SnapshotSaveReply> {
  const { index, term } = fsm.lastApplied;
  const snapshot = fsm.snapshot();
  const chunks: Uint8Array[] = [];
  try {
    await snapshot.persist(
      {
        write: async (chunk) => {
          throwIfAborted(signal);
          chunks.push(chunk);
        },
      },
      signal === undefined ? {} : { signal },
    );
  } finally {
    snapshot.release();
  }
  return { Index: index, Term: term, Data: Buffer.concat(chunks) };
}

async function* single(data: Uint8Array): AsyncIterable<Uint8Array> {
  yield data;
}

export interface RestorePlan {
  readonly commands: readonly Command[];
  readonly nodeCount: number;
}

/** The commands that replace the catalog's contents with the snapshot's (BadRequestError for a bad snapshot). */
export async function restoreCommands(store: StateStore, data: Uint8Array): Promise<RestorePlan> {
  let tables: Map<string, unknown[]>;
  try {
    const { contents } = await readSnapshot(single(data));
    tables = new Map([...contents.tables].map(([name, rows]) => [name, [...rows]]));
  } catch (error) {
    throw new BadRequestError(`invalid snapshot: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const commands: Command[] = [];
  for (const node of nodes(store).value) commands.push(deregisterCommand({ Node: node.Node }));
  const snapshotNodes = (tables.get('nodes') ?? []) as Node[];
  for (const node of snapshotNodes) {
    commands.push(
      registerCommand({
        ID: node.ID,
        Node: node.Node,
        Address: node.Address,
        Datacenter: node.Datacenter,
        TaggedAddresses: node.TaggedAddresses,
        NodeMeta: node.Meta,
      }),
    );
  }
  for (const row of (tables.get('services') ?? []) as ServiceInstance[]) {
    const { Node: node, CreateIndex: _created, ModifyIndex: _modified, ...service } = row;
    commands.push(registerCommand({ Node: node, SkipNodeUpdate: true, Service: service }));
  }
  for (const row of (tables.get('checks') ?? []) as HealthCheck[]) {
    const { CreateIndex: _created, ModifyIndex: _modified, ...check } = row;
    commands.push(registerCommand({ Node: row.Node, SkipNodeUpdate: true, Check: check }));
  }
  const coordinates = (tables.get('coordinates') ?? []) as CoordinateEntry[];
  if (coordinates.length > 0) commands.push(coordinateBatchUpdateCommand(coordinates));
  return { commands, nodeCount: snapshotNodes.length };
}
