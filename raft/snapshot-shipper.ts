// InstallSnapshot at the edge: the leader streams its newest stored snapshot to a follower through the transport
// when the core asks (a 'snapshot' message), then sends that message so the follower's core installs it; the
// follower stores incoming snapshots in its SnapshotStore. One send per follower at a time.

import type { Logger } from '../lib/log.js';
import type { NodeId, RaftMessage } from './core/types.js';
import type { SnapshotStore } from './storage/snapshot-store.js';
import type { IncomingSnapshot, RaftTransport } from './transport/transport.js';

export interface SnapshotShipperComponents {
  readonly snapshotStore: SnapshotStore;
  readonly transport: RaftTransport;
  readonly log: Logger;
}

export type SnapshotOutcome = (to: NodeId, outcome: 'ok' | 'failed') => void;

export class SnapshotShipper {
  private readonly sending = new Set<NodeId>();
  private readonly controller = new AbortController();

  constructor(
    private readonly components: SnapshotShipperComponents,
    private readonly report: SnapshotOutcome,
  ) {}

  /** Starts streaming for a core 'snapshot' message unless one is already on its way to that peer. */
  ship(message: RaftMessage): void {
    if (this.sending.has(message.to) || message.snapshot === null) return;
    this.sending.add(message.to);
    this.send(message)
      .then(
        () => this.report(message.to, 'ok'),
        (error: unknown) => {
          this.components.log.warn({ peer: message.to, err: String(error) }, 'sending a snapshot failed');
          this.report(message.to, 'failed');
        },
      )
      .finally(() => this.sending.delete(message.to));
  }

  /** Stores a snapshot a leader streams to us; the core installs it when the leader's message follows. */
  async receive(incoming: IncomingSnapshot, options: { signal?: AbortSignal }): Promise<void> {
    const sink = await this.components.snapshotStore.create(incoming.meta);
    try {
      for await (const chunk of incoming.chunks) {
        if (options.signal?.aborted) throw options.signal.reason;
        await sink.write(chunk);
      }
      await sink.close();
      this.components.log.info({ from: incoming.from, index: incoming.meta.index }, 'received a snapshot');
    } catch (error) {
      await sink.cancel();
      throw error;
    }
  }

  stop(): void {
    this.controller.abort();
  }

  private async send(message: RaftMessage): Promise<void> {
    const meta = message.snapshot;
    if (meta === null) return;
    const { snapshotStore, transport, log } = this.components;
    const stored = (await snapshotStore.list()).find(
      (snapshot) => snapshot.meta.index === meta.index && snapshot.meta.term === meta.term,
    );
    if (!stored) throw new Error(`snapshot ${meta.term}/${meta.index} is no longer stored`);
    const opened = await snapshotStore.open(stored.id);
    log.info({ peer: message.to, index: meta.index, sizeBytes: stored.sizeBytes }, 'sending a snapshot');
    await transport.sendSnapshot(message.to, stored.meta, stored.sizeBytes, opened.chunks, {
      signal: this.controller.signal,
    });
    transport.send(message);
  }
}
