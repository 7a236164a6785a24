// Snapshot save and restore for the Server: save streams the FSM's copy-on-write capture in server/fsm's format
// (state.bin of the archive, snapshot-archive.ts); restore verifies a whole snapshot first, then turns it into the
// ordinary catalog commands that make the live catalog equal to it, so it goes through Raft like any write.

import { throwIfAborted } from '../lib/lifecycle.js';
import { connectRestorePhases } from './connect-restore.js';
import {
  autopilotCommand,
  type Command,
  coordinateBatchUpdateCommand,
  deregisterCommand,
  registerCommand,
} from './fsm/commands.js';
import type { CatalogFsm } from './fsm/fsm.js';
import { readSnapshot } from './fsm/snapshot-format.js';
import { kvRestorePhases } from './kv-restore.js';
import { preparedQueryRestorePhases } from './prepared-query-restore.js';
import { BadRequestError } from './rpc/errors.js';
import type { SnapshotSaveReply } from './rpc/methods.js';
import { isGzip, readSnapshotArchive } from './snapshot-archive.js';
import { nodes } from './state/catalog-reads.js';
import type { StateStore } from './state/store.js';
import { type AutopilotConfigRow, autopilotConfigSchema } from './state/tables/autopilot.js';
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
  /**
   * Phases applied in order; the commands inside one phase are independent of each other (deregistrations,
   * then nodes, services, checks, coordinates), so a phase may be proposed concurrently.
   */
  readonly phases: readonly (readonly Command[])[];
  readonly nodeCount: number;
}

/** Proposals of one restore phase in flight at once: enough to fill Raft's batches, bounded for memory. */
export const restoreProposalsInFlightMax = 256;

/** Runs each phase's commands through `apply`, up to restoreProposalsInFlightMax at once; the highest index. */
export async function applyRestorePlan(
  plan: RestorePlan,
  apply: (command: Command) => Promise<{ readonly index: number }>,
): Promise<number> {
  let highest = 0;
  for (const phase of plan.phases) {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < phase.length) {
        const command = phase[next++] as Command;
        highest = Math.max(highest, (await apply(command)).index);
      }
    };
    await Promise.all(Array.from({ length: Math.min(restoreProposalsInFlightMax, phase.length) }, worker));
  }
  return highest;
}

/** The commands that replace the catalog's contents with the snapshot's (BadRequestError for a bad snapshot). */
export async function restoreCommands(store: StateStore, data: Uint8Array): Promise<RestorePlan> {
  let tables: Map<string, unknown[]>;
  try {
    // Consul's archive layout (what /v1/snapshot saves), or a bare FSM snapshot as older Lattice saved.
    const state = isGzip(data) ? readSnapshotArchive(data).state : data;
    const { contents } = await readSnapshot(single(state));
    tables = new Map([...contents.tables].map(([name, rows]) => [name, [...rows]]));
  } catch (error) {
    throw new BadRequestError(`invalid snapshot: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const deregistrations = nodes(store).value.map((node) => deregisterCommand({ Node: node.Node }));
  const snapshotNodes = (tables.get('nodes') ?? []) as Node[];
  const nodeRegistrations: Command[] = [];
  for (const node of snapshotNodes) {
    nodeRegistrations.push(
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
  const serviceRegistrations: Command[] = [];
  for (const row of (tables.get('services') ?? []) as ServiceInstance[]) {
    const { Node: node, CreateIndex: _created, ModifyIndex: _modified, ...service } = row;
    serviceRegistrations.push(registerCommand({ Node: node, SkipNodeUpdate: true, Service: service }));
  }
  // Checks after services: a service check needs its service.
  const checkRegistrations: Command[] = [];
  for (const row of (tables.get('checks') ?? []) as HealthCheck[]) {
    const { CreateIndex: _created, ModifyIndex: _modified, ...check } = row;
    checkRegistrations.push(registerCommand({ Node: row.Node, SkipNodeUpdate: true, Check: check }));
  }
  const coordinates = (tables.get('coordinates') ?? []) as CoordinateEntry[];
  const coordinateUpdates = coordinates.length > 0 ? [coordinateBatchUpdateCommand(coordinates)] : [];
  // KV last: sessions need their nodes and checks, locked entries their sessions.
  const kv = kvRestorePhases(store, tables);
  const connect = connectRestorePhases(store, tables);
  // Queries last: a session-bound query needs its session.
  const queries = preparedQueryRestorePhases(store, tables);
  // The autopilot configuration, when the snapshot has one (format 5), replaces the live one.
  const autopilot = ((tables.get(autopilotConfigSchema.name) ?? []) as AutopilotConfigRow[]).map((row) => {
    const { CreateIndex: _created, ModifyIndex: _modified, ...fields } = row;
    return autopilotCommand({ Config: fields, Mode: 'set' });
  });
  return {
    phases: [
      [...deregistrations, ...kv.clear, ...connect.clear, ...queries.clear],
      connect.defaults,
      connect.rest,
      nodeRegistrations,
      serviceRegistrations,
      checkRegistrations,
      coordinateUpdates,
      kv.sessions,
      kv.entries,
      queries.queries,
      autopilot,
    ],
    nodeCount: snapshotNodes.length,
  };
}
