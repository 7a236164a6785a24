// An in-memory ProxySource for tests: values are set by hand and every set notifies the watchers synchronously,
// the same way the agent's caches deliver a blocking-query answer.

import { compileIntentionTable, type IntentionTable } from '../../connect/intentions/table.js';
import type {
  LeafCredentials,
  ProxySource,
  RootsSnapshot,
  UpstreamEndpoint,
  UpstreamTarget,
  Watched,
} from '../source.js';
import { WatchedValue } from '../watched-value.js';

export class StaticProxySource implements ProxySource {
  private readonly leaves = new Map<string, WatchedValue<LeafCredentials>>();
  private readonly rootsCell = new WatchedValue<RootsSnapshot>();
  private readonly intentionsCell = new WatchedValue<IntentionTable>();
  private readonly endpointCells = new Map<string, WatchedValue<readonly UpstreamEndpoint[]>>();

  constructor() {
    this.intentionsCell.set(compileIntentionTable([], true));
  }

  setLeaf(service: string, leaf: LeafCredentials): void {
    this.leafCell(service).set(leaf);
  }
  setRoots(roots: RootsSnapshot): void {
    this.rootsCell.set(roots);
  }
  setIntentions(table: IntentionTable): void {
    this.intentionsCell.set(table);
  }
  setEndpoints(service: string, endpoints: readonly UpstreamEndpoint[], datacenter?: string): void {
    this.endpointCell({ service, datacenter }).set(endpoints);
  }
  /** Open views across every value, so tests can check that removed proxies release their watches. */
  openViews(): number {
    let total = this.rootsCell.views + this.intentionsCell.views;
    for (const cell of this.leaves.values()) total += cell.views;
    for (const cell of this.endpointCells.values()) total += cell.views;
    return total;
  }

  leaf(service: string): Watched<LeafCredentials> {
    return this.leafCell(service).view();
  }
  roots(): Watched<RootsSnapshot> {
    return this.rootsCell.view();
  }
  intentions(): Watched<IntentionTable> {
    return this.intentionsCell.view();
  }
  endpoints(upstream: UpstreamTarget): Watched<readonly UpstreamEndpoint[]> {
    return this.endpointCell(upstream).view();
  }

  private leafCell(service: string): WatchedValue<LeafCredentials> {
    let cell = this.leaves.get(service);
    if (!cell) {
      cell = new WatchedValue();
      this.leaves.set(service, cell);
    }
    return cell;
  }
  private endpointCell(upstream: UpstreamTarget): WatchedValue<readonly UpstreamEndpoint[]> {
    const key = `${upstream.service}\u0000${upstream.datacenter ?? ''}`;
    let cell = this.endpointCells.get(key);
    if (!cell) {
      cell = new WatchedValue();
      this.endpointCells.set(key, cell);
    }
    return cell;
  }
}
