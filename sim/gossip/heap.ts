// How much heap a gossip simulation needs. Every simulated node holds its own member table, so memory grows with
// n²: a member record, its table slots and, while the pool forms, queued broadcasts. The per-pair figure is the
// peak measured with process.memoryUsage (seed 1, LAN, no loss): 1,000 nodes ≈ 0.2 GiB, 2,000 ≈ 0.85 GiB,
// 5,000 ≈ 6.2 GiB (the join storm's broadcast queues are the peak; steady state needs about half).

const HEAP_BYTES_PER_MEMBER_PAIR = 260;
const HEAP_BYTES_BASE = 128 * 1024 * 1024;

/** Peak heap a run of `nodes` needs, in bytes (an estimate from measured runs). */
export function gossipSimulationHeapBytes(nodes: number): number {
  return HEAP_BYTES_BASE + HEAP_BYTES_PER_MEMBER_PAIR * nodes * nodes;
}
