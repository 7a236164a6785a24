// The gossip simulator's public surface: the cluster engine for scripted tests and simulateGossip for the CLI.

export { type ClusterOptions, GossipCluster, type MemberEventObserver, nodeName, type SimNode } from './cluster.js';
export { EventQueue } from './event-queue.js';
export { gossipSimulationHeapBytes } from './heap.js';
export { defaultNetworkOptions, type NetworkOptions, SimNetwork } from './network.js';
export {
  type SimulateGossipOptions,
  type SimulateGossipResult,
  type Spread,
  simulateGossip,
  spread,
} from './simulate.js';
