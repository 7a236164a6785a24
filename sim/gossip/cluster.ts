// A deterministic cluster of gossip cores in one process: every packet, stream, wake-up and scripted fault is an
// event in one priority queue of simulated time, so thousands of nodes run far faster than real time and a run
// replays exactly from its seed. Faults: loss, latency, partitions, crashes and nodes starved of CPU.

import { type GossipConfig, GossipCore, type MemberEvent } from '../../gossip/core/index.js';
import { SeededRand } from '../../lib/rand.js';
import { EventQueue } from './event-queue.js';
import { type NetworkOptions, SimNetwork } from './network.js';

const PACKET = 0;
const WAKE = 1;
const STREAM_REQUEST = 2;
const STREAM_RESPONSE = 3;
const ACTION = 4;

class SimEvent {
  constructor(
    readonly atMs: number,
    readonly sequence: number,
    readonly kind: number,
    readonly node: number,
    readonly from: number,
    readonly bytes: Uint8Array | null,
    readonly id: number,
    readonly action: (() => void) | null,
  ) {}
}

export interface SimNode {
  readonly index: number;
  readonly name: string;
  core: GossipCore | null;
  crashed: boolean;
  /** Until this time the node runs nothing; what arrives meanwhile waits in its inbox. */
  starvedUntilMs: number;
  /** The wake-up currently in the queue for this node, or Infinity. */
  wakeAtMs: number;
  bytesSent: number;
}

export interface ClusterOptions {
  readonly seed: number;
  readonly nodeCount: number;
  readonly config: GossipConfig;
  readonly network: NetworkOptions;
}

export type MemberEventObserver = (observer: SimNode, event: MemberEvent, nowMs: number) => void;

export function nodeName(index: number): string {
  return `n${index}`;
}

export class GossipCluster {
  readonly nodes: SimNode[] = [];
  readonly network: SimNetwork;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly rand: SeededRand;
  private readonly indexByName = new Map<string, number>();
  private sequence = 0;
  private now = 0;
  /** Datagrams handed to the network, and of those how many were lost, blocked or undeliverable. */
  packetsSent = 0;
  packetsLost = 0;
  eventsProcessed = 0;
  observer: MemberEventObserver | null = null;
  /** Every core keeps the cluster's one copy of each node's name (its address too): n² records, n strings. */
  private readonly internName = (text: string): string => {
    const index = this.indexByName.get(text);
    return index === undefined ? text : this.nodes[index]!.name;
  };

  constructor(readonly options: ClusterOptions) {
    this.rand = new SeededRand(options.seed);
    this.network = new SimNetwork(options.network, this.rand.fork(), options.nodeCount);
    for (let index = 0; index < options.nodeCount; index++) {
      const name = nodeName(index);
      this.nodes.push({
        index,
        name,
        core: null,
        crashed: false,
        starvedUntilMs: 0,
        wakeAtMs: Number.POSITIVE_INFINITY,
        bytesSent: 0,
      });
      this.indexByName.set(name, index);
    }
  }

  get nowMs(): number {
    return this.now;
  }

  node(index: number): SimNode {
    const node = this.nodes[index];
    if (node === undefined) throw new RangeError(`no node ${index}`);
    return node;
  }

  core(index: number): GossipCore {
    const core = this.node(index).core;
    if (core === null) throw new RangeError(`node ${index} has not started`);
    return core;
  }

  /** Starts node `index` now and has it join through `seeds` (indices). */
  start(index: number, seeds: readonly number[]): void {
    const node = this.node(index);
    if (node.core !== null) throw new RangeError(`node ${index} already started`);
    node.core = new GossipCore(this.options.config, {
      rand: this.rand.fork(),
      nowMs: this.now,
      self: { name: node.name, address: node.name },
      internString: this.internName,
    });
    if (seeds.length > 0)
      node.core.join(
        seeds.map((seed) => nodeName(seed)),
        this.now,
      );
    this.drain(node);
  }

  /** Stops node `index` at once, without a word to anyone (SIGKILL). */
  crash(index: number): void {
    this.node(index).crashed = true;
  }

  /** Node `index` processes nothing until `untilMs`, then handles its backlog late. */
  starve(index: number, untilMs: number): void {
    this.node(index).starvedUntilMs = untilMs;
  }

  /** Runs `action` at `atMs` in simulated time. */
  at(atMs: number, action: () => void): void {
    this.push(Math.max(atMs, this.now), ACTION, -1, -1, null, 0, action);
  }

  /** Processes events up to and including `untilMs`; returns false if it stopped early because `stop()` held. */
  runUntil(untilMs: number, stop: () => boolean = () => false): boolean {
    for (;;) {
      if (this.queue.peekTimeMs() > untilMs) break;
      const event = this.queue.pop()!;
      this.now = event.atMs;
      this.dispatch(event);
      if (event.kind === ACTION && stop()) return false;
    }
    this.now = Math.max(this.now, untilMs);
    return true;
  }

  /** Runs the node's call with the core, then sends what it produced and re-arms its wake-up. */
  withCore(index: number, call: (core: GossipCore, nowMs: number) => void): void {
    const node = this.node(index);
    if (node.core === null || node.crashed) return;
    call(node.core, this.now);
    this.drain(node);
  }

  private push(
    atMs: number,
    kind: number,
    node: number,
    from: number,
    bytes: Uint8Array | null,
    id: number,
    action: (() => void) | null,
  ): void {
    this.queue.push(new SimEvent(atMs, this.sequence++, kind, node, from, bytes, id, action));
  }

  private dispatch(event: SimEvent): void {
    this.eventsProcessed++;
    if (event.kind === ACTION) {
      event.action!();
      return;
    }
    const node = this.nodes[event.node]!;
    if (node.crashed || node.core === null) {
      if (event.kind === STREAM_REQUEST) this.failStream(event);
      return;
    }
    if (event.kind === WAKE) {
      if (event.atMs !== node.wakeAtMs) return;
      node.wakeAtMs = Number.POSITIVE_INFINITY;
    }
    if (this.now < node.starvedUntilMs) {
      // Starved of CPU: everything waits, in arrival order, until the node runs again.
      if (event.kind === WAKE) this.scheduleWake(node, node.starvedUntilMs);
      else this.push(node.starvedUntilMs, event.kind, event.node, event.from, event.bytes, event.id, null);
      return;
    }
    const core = node.core;
    const from = this.nodes[event.from];
    switch (event.kind) {
      case PACKET:
        core.handlePacket(from!.name, event.bytes!, this.now);
        break;
      case WAKE:
        core.tick(this.now);
        break;
      case STREAM_REQUEST: {
        const response = core.handleStream(from!.name, event.bytes!, this.now);
        if (response !== null) node.bytesSent += response.length;
        this.push(
          this.now + this.network.latencyMs(),
          STREAM_RESPONSE,
          event.from,
          event.node,
          response,
          event.id,
          null,
        );
        break;
      }
      case STREAM_RESPONSE:
        core.handleStreamResponse(event.id, event.bytes, this.now);
        break;
    }
    this.drain(node);
  }

  private failStream(event: SimEvent): void {
    // No answer from a dead host: the requester's connect or read runs into its deadline.
    const requester = this.nodes[event.from]!;
    const deadlineMs = this.now + (requester.core?.config.streamTimeoutMs ?? 0);
    this.push(deadlineMs, STREAM_RESPONSE, event.from, event.node, null, event.id, null);
  }

  private drain(node: SimNode): void {
    const core = node.core!;
    const output = core.takeOutput();
    for (const packet of output.packets) {
      node.bytesSent += packet.bytes.length;
      this.packetsSent++;
      const target = this.indexByName.get(packet.to);
      if (target === undefined || !this.network.reachable(node.index, target) || this.network.drops()) {
        this.packetsLost++;
        continue;
      }
      this.push(this.now + this.network.latencyMs(), PACKET, target, node.index, packet.bytes, 0, null);
    }
    for (const stream of output.streams) {
      node.bytesSent += stream.bytes.length;
      const target = this.indexByName.get(stream.to);
      if (target === undefined || !this.network.reachable(node.index, target)) {
        this.push(stream.deadlineMs, STREAM_RESPONSE, node.index, node.index, null, stream.id, null);
        continue;
      }
      this.push(this.now + this.network.latencyMs(), STREAM_REQUEST, target, node.index, stream.bytes, stream.id, null);
    }
    if (this.observer !== null) for (const event of output.events) this.observer(node, event, this.now);
    const wakeupMs = core.nextWakeupMs();
    if (wakeupMs !== null) this.scheduleWake(node, Math.max(wakeupMs, this.now));
  }

  private scheduleWake(node: SimNode, atMs: number): void {
    if (atMs >= node.wakeAtMs) return;
    node.wakeAtMs = atMs;
    this.push(atMs, WAKE, node.index, node.index, null, 0, null);
  }
}
