// A deterministic harness for Serf tests: several Serf instances on a synchronous in-process network, time moved
// by hand from one wakeup to the next. Packets and streams are delivered in order, with optional per-node
// isolation (a "killed" node stops receiving and sending without leaving), and an optional `drop` rule that loses
// chosen packets or streams (a stream dropped fails as if the connection broke).

import { SeededRand } from '../../../lib/rand.js';
import { type GossipConfig, LOCAL, validateGossipConfig } from '../../core/index.js';
import type { Keyring } from '../../keyring.js';
import { validateVivaldiConfig } from '../../vivaldi/config.js';
import { type SerfConfig, validateSerfConfig } from '../config.js';
import type { SerfMergeDelegate } from '../merge-delegate.js';
import { Serf, type SerfEvent } from '../serf.js';
import type { SnapshotState } from '../snapshot.js';

export interface HarnessNode {
  readonly name: string;
  readonly address: string;
  readonly serf: Serf;
  readonly events: SerfEvent[];
  readonly snapshotLines: string[];
  down: boolean;
}

/** Decides whether one packet or stream request from `from` to `to` is lost on the way. */
export type DropRule = (kind: 'packet' | 'stream', from: HarnessNode, to: HarnessNode, bytes: Uint8Array) => boolean;

export class SerfHarness {
  readonly nodes: HarnessNode[] = [];
  nowMs = 0;
  drop: DropRule | null = null;
  private readonly rand: SeededRand;

  constructor(seed: number) {
    this.rand = new SeededRand(seed);
  }

  add(
    name: string,
    options: {
      keyring?: Keyring | null;
      serf?: Partial<SerfConfig>;
      /** Overrides on the LOCAL gossip preset. */
      gossip?: Partial<GossipConfig>;
      tags?: Record<string, string>;
      mergeDelegate?: SerfMergeDelegate;
      /** What a snapshot file restored, as the driver passes it. */
      restored?: SnapshotState;
    } = {},
  ): HarnessNode {
    const address = `10.0.0.${this.nodes.length + 1}:8301`;
    const serf = new Serf(
      {
        serf: validateSerfConfig(
          { nodeName: name, tags: options.tags ?? {}, gossipIntervalMs: LOCAL.gossipIntervalMs, ...options.serf },
          { allowShortReconnectTimeout: true },
        ),
        gossip: validateGossipConfig(options.gossip ?? {}, LOCAL),
        address,
        vivaldi: validateVivaldiConfig(),
        ...(options.mergeDelegate ? { mergeDelegate: options.mergeDelegate } : {}),
        ...(options.restored ? { restored: options.restored } : {}),
      },
      { rand: this.rand.fork(), nowMs: this.nowMs, keyring: options.keyring ?? null },
    );
    const node: HarnessNode = { name, address, serf, events: [], snapshotLines: [], down: false };
    this.nodes.push(node);
    this.flush();
    return node;
  }

  node(name: string): HarnessNode {
    const node = this.nodes.find((candidate) => candidate.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** Delivers everything pending, repeatedly, until the network is quiet at the current time. */
  flush(): void {
    for (let round = 0; round < 1_000; round++) {
      let moved = false;
      for (const node of this.nodes) {
        const output = node.serf.takeOutput();
        node.events.push(...output.events);
        node.snapshotLines.push(...output.snapshotLines);
        if (node.down) continue;
        for (const packet of output.packets) {
          moved = true;
          const target = this.nodes.find((candidate) => candidate.address === packet.to);
          if (!target || target.down || this.drop?.('packet', node, target, packet.bytes)) continue;
          target.serf.handlePacket(node.address, packet.bytes, this.nowMs);
        }
        for (const stream of output.streams) {
          moved = true;
          const target = this.nodes.find((candidate) => candidate.address === stream.to);
          const delivered = target && !target.down && !this.drop?.('stream', node, target, stream.bytes);
          const response = delivered ? target.serf.handleStream(node.address, stream.bytes, this.nowMs) : null;
          node.serf.handleStreamResponse(stream.id, response, this.nowMs);
        }
      }
      if (!moved) return;
    }
    throw new Error('network did not settle');
  }

  /** Moves time forward to `untilMs`, ticking every node at each of its wakeups on the way. */
  runUntil(untilMs: number): void {
    for (;;) {
      let next = untilMs;
      for (const node of this.nodes) {
        if (node.down) continue;
        const wakeup = node.serf.nextWakeupMs();
        if (wakeup !== null && wakeup < next) next = wakeup;
      }
      this.nowMs = Math.max(this.nowMs, next);
      for (const node of this.nodes) {
        if (node.down) continue;
        const wakeup = node.serf.nextWakeupMs();
        if (wakeup !== null && wakeup <= this.nowMs) node.serf.tick(this.nowMs);
      }
      this.flush();
      if (this.nowMs >= untilMs) return;
    }
  }

  run(forMs: number): void {
    this.runUntil(this.nowMs + forMs);
  }

  /** Runs until `condition` holds, failing after `limitMs` of simulated time. */
  runUntilTrue(condition: () => boolean, what: string, limitMs = 120_000, stepMs = 100): void {
    const endMs = this.nowMs + limitMs;
    while (!condition()) {
      if (this.nowMs >= endMs) throw new Error(`simulated ${limitMs} ms passed without: ${what}`);
      this.run(stepMs);
    }
  }
}
