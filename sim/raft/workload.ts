// The simulated clients: each runs one KV operation at a time (puts through the log, gets through ReadIndex)
// against a node, and records it in the history with call and return times. An operation whose outcome is
// unknown (node crashed, client timed out) stays in the history as a put that may or may not have happened.

import type { NodeId } from '../../raft/core/types.js';
import type { KvInput } from '../linearizability.js';
import { encodePut } from './kv.js';
import type { SimNode, Simulation } from './simulator.js';

/** A client gives up after this long; the outcome of a put it gave up on is unknown. */
export const opTimeoutMs = 500;

export interface PendingOp {
  readonly clientId: number;
  readonly input: KvInput;
  readonly callMs: number;
  readonly nodeId: NodeId;
  readonly incarnation: number;
  readonly deadlineMs: number;
  readonly requestId: number;
  /** Puts: where the proposal landed. */
  index: number;
  term: number;
  /** Gets: the confirmed read index, once known. */
  readIndex: number | null;
}

export interface SimClient {
  readonly id: number;
  leaderGuess: NodeId | null;
  pending: PendingOp | null;
}

export function clientStep(sim: Simulation, client: SimClient): void {
  if (client.pending || sim.healedAtMs !== null) return;
  const aliveIds = [...sim.nodes.values()].filter((node) => node.raft !== null).map((node) => node.id);
  if (aliveIds.length === 0) {
    sim.queue.push(sim.nowMs + 20, { kind: 'client', clientId: client.id });
    return;
  }
  const guess = client.leaderGuess;
  // Mostly the guessed leader; sometimes any node, so reads also reach deposed leaders and followers.
  const useGuess = guess !== null && aliveIds.includes(guess) && sim.rand.float() < 0.7;
  const nodeId = useGuess ? guess : aliveIds[sim.rand.intBelow(aliveIds.length)]!;
  const node = sim.nodes.get(nodeId)!;
  const raft = node.raft!;
  const key = sim.keys[sim.rand.intBelow(sim.keys.length)]!;
  const requestId = sim.nextRequestId++;
  const base = {
    clientId: client.id,
    callMs: sim.nowMs,
    nodeId,
    incarnation: node.incarnation,
    deadlineMs: sim.nowMs + opTimeoutMs,
    requestId,
    index: 0,
    term: 0,
    readIndex: null,
  };
  if (sim.rand.float() < 0.6) {
    const value = `v${requestId}`;
    const result = raft.propose(encodePut({ key, value, requestId }));
    if (result.kind !== 'accepted') {
      client.leaderGuess = result.kind === 'not-leader' ? result.leaderId : null;
      sim.queue.push(sim.nowMs + 5, { kind: 'client', clientId: client.id });
      return;
    }
    sim.counts.proposalsAccepted++;
    client.pending = { ...base, input: { kind: 'put', key, value }, index: result.index, term: result.term };
  } else {
    if (raft.readIndex(new TextEncoder().encode(`r${requestId}`)) !== 'accepted') {
      client.leaderGuess = null;
      sim.queue.push(sim.nowMs + 5, { kind: 'client', clientId: client.id });
      return;
    }
    client.pending = { ...base, input: { kind: 'get', key } };
  }
  sim.queue.push(client.pending.deadlineMs, { kind: 'client-deadline', clientId: client.id, requestId });
  sim.process(node);
}

/** ok: recorded with its output; unknown: a put may or may not have happened; failed: it did not happen. */
export function resolve(
  sim: Simulation,
  client: SimClient,
  outcome: 'ok' | 'unknown' | 'failed',
  value: string | null,
): void {
  const pending = client.pending;
  if (!pending) return;
  client.pending = null;
  if (outcome === 'ok' || (outcome === 'unknown' && pending.input.kind === 'put')) {
    sim.history.push({
      clientId: pending.clientId,
      input: pending.input,
      output: { value },
      callMs: pending.callMs,
      returnMs: outcome === 'ok' ? sim.nowMs : Number.POSITIVE_INFINITY,
    });
  }
  sim.queue.push(sim.nowMs + sim.rand.intBelow(30), { kind: 'client', clientId: client.id });
}

export function onReadState(sim: Simulation, node: SimNode, index: number, context: string): void {
  for (const client of sim.clients) {
    const pending = client.pending;
    if (pending?.nodeId === node.id && pending.input.kind === 'get' && `r${pending.requestId}` === context)
      pending.readIndex = index;
  }
}
