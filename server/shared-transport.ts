// The Raft transport as the Server lends it to its RaftNode: the server starts the real transport before Raft
// (its port also serves RPC while a bootstrap_expect server waits) and stops it after, so the node's own
// start/stop are no-ops here. Every incoming message is reported, so the server knows its last leader contact.

import type { RaftTransport } from '../raft/transport/transport.js';

/**
 * Hands the Raft node a transport it may "start" and "stop": the server starts the real one earlier (its port
 * also serves RPC before Raft runs) and stops it last. Incoming messages from the leader mark last contact.
 */
export class SharedTransport implements RaftTransport {
  constructor(
    private readonly inner: RaftTransport,
    private readonly onLeaderMessage: (from: string) => void,
  ) {}
  get localId(): string {
    return this.inner.localId;
  }
  get localAddress(): string {
    return this.inner.localAddress;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  setPeer(id: string, address: string): void {
    this.inner.setPeer(id, address);
  }
  removePeer(id: string): void {
    this.inner.removePeer(id);
  }
  send(message: Parameters<RaftTransport['send']>[0]): boolean {
    return this.inner.send(message);
  }
  onMessage(handler: Parameters<RaftTransport['onMessage']>[0]): () => void {
    return this.inner.onMessage((message) => {
      this.onLeaderMessage(message.from);
      handler(message);
    });
  }
  sendSnapshot(...args: Parameters<RaftTransport['sendSnapshot']>): Promise<void> {
    return this.inner.sendSnapshot(...args);
  }
  onSnapshot(handler: Parameters<RaftTransport['onSnapshot']>[0]): () => void {
    return this.inner.onSnapshot(handler);
  }
  stats(): ReturnType<RaftTransport['stats']> {
    return this.inner.stats();
  }
}
