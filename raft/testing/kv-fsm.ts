// A tiny key/value state machine for tests and the `lattice debug raft-kv` command: JSON commands
// ({ op: 'put', key, value } or { op: 'delete', key }), a Map as state, snapshots as one JSON document.

import type { CommittedEntry, Fsm, FsmSnapshot, FsmSnapshotSink } from '../fsm.js';
import { readAll } from '../storage/snapshot-store.js';

export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const snapshotChunkSizeBytes = 256 * 1024;

export function encodeKvCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export class KvFsm implements Fsm {
  private state = new Map<string, string>();
  appliedCount = 0;

  get(key: string): string | undefined {
    return this.state.get(key);
  }

  entries(): [string, string][] {
    return [...this.state.entries()];
  }

  get size(): number {
    return this.state.size;
  }

  apply(entry: CommittedEntry): unknown {
    this.appliedCount++;
    const command = JSON.parse(decoder.decode(entry.data)) as KvCommand;
    if (command.op === 'put') this.state.set(command.key, command.value);
    else this.state.delete(command.key);
    return { index: entry.index };
  }

  snapshot(): FsmSnapshot {
    const captured = [...this.state.entries()];
    return {
      persist: async (sink: FsmSnapshotSink) => {
        const bytes = encoder.encode(JSON.stringify(captured));
        for (let offset = 0; offset < bytes.byteLength; offset += snapshotChunkSizeBytes) {
          await sink.write(bytes.subarray(offset, offset + snapshotChunkSizeBytes));
        }
      },
      release: () => undefined,
    };
  }

  async restore(source: AsyncIterable<Uint8Array>): Promise<void> {
    const bytes = await readAll(source);
    this.state = new Map(JSON.parse(decoder.decode(bytes)) as [string, string][]);
  }
}
