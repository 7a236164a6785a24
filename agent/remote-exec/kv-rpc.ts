// The KV reads and writes a remote exec job needs, over the agent's RPC client to the servers (Consul's KVS.Get and
// KVS.Apply with the `lock` verb). Writes hold the job's session, so once the CLI destroys it every further write
// of this node's results is refused and the job stops uploading.

import type { RpcClient } from '../../server/rpc/methods.js';
import { defaultQueryOptions } from '../../server/rpc/methods.js';

export interface RemoteExecKv {
  /** The value of `key`, or null when it does not exist. */
  read(key: string, consistency: 'stale' | 'consistent'): Promise<Uint8Array | null>;
  /** Writes `value` (null: empty) under `key` holding `session`; false when the server refused the lock. */
  writeHeld(key: string, value: Uint8Array | null, session: string): Promise<boolean>;
}

export interface RemoteExecKvConfig {
  readonly datacenter: string;
  /** The ACL token the agent uses for its own requests ('' until ACL tokens exist). */
  readonly token: string;
}

export function rpcRemoteExecKv(rpc: RpcClient, config: RemoteExecKvConfig): RemoteExecKv {
  const context = { datacenter: config.datacenter, token: config.token };
  return {
    async read(key, consistency) {
      const reply = await rpc.call(
        'KVS.Get',
        { Key: key },
        { context, query: { ...defaultQueryOptions, consistency } },
      );
      if (reply.value === null) return null;
      return new Uint8Array(Buffer.from(reply.value.Value ?? '', 'base64'));
    },
    async writeHeld(key, value, session) {
      const encoded = value === null || value.length === 0 ? null : Buffer.from(value).toString('base64');
      return rpc.call('KVS.Apply', { Op: 'lock', DirEnt: { Key: key, Value: encoded, Session: session } }, { context });
    },
  };
}
