// A RemoteExecKv in memory for the remote exec tests: values by key, the sessions that are alive (a write holding
// a dead session is refused, as the server refuses a lock for it), and every call in order.

import type { RemoteExecKv } from './kv-rpc.js';

export class MemoryRemoteExecKv implements RemoteExecKv {
  readonly values = new Map<string, Buffer>();
  readonly liveSessions = new Set<string>();
  readonly calls: string[] = [];

  async read(key: string, consistency: 'stale' | 'consistent'): Promise<Uint8Array | null> {
    this.calls.push(`read ${consistency} ${key}`);
    const value = this.values.get(key);
    return value === undefined ? null : new Uint8Array(value);
  }

  async writeHeld(key: string, value: Uint8Array | null, session: string): Promise<boolean> {
    this.calls.push(`write ${key}`);
    if (!this.liveSessions.has(session)) return false;
    this.values.set(key, Buffer.from(value ?? new Uint8Array(0)));
    return true;
  }

  /** Written keys under `prefix`, in key order, with their values as text. */
  written(prefix: string): [string, string][] {
    return [...this.values.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => [key.slice(prefix.length), value.toString('utf8')]);
  }
}
