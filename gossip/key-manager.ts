// Pool-wide keyring operations (serf's KeyManager): one internal query per operation, fanned out to every member
// (this node included), answers gathered until all alive members responded or the query timed out, then folded
// into Consul's keyring response. A member that refused or did not answer makes the operation fail, with the
// response attached so the operator sees who.

import { LatticeError } from '../lib/errors.js';
import type { AbortOptions } from '../lib/lifecycle.js';
import { decodeKey } from './keyring.js';
import {
  aggregateKeyResponses,
  encodeKeyRequest,
  type KeyResponse,
  type KeyringOperation,
  keyringQueryNames,
} from './serf/keyring-queries.js';
import type { QueryResult } from './serf/queries.js';

export class KeyringOperationError extends LatticeError {
  override readonly name = 'KeyringOperationError';
  constructor(
    message: string,
    readonly response: KeyResponse,
  ) {
    super('ERR_KEYRING_OPERATION', message);
  }
}

export interface KeyManagerHost {
  /** Alive members, this node included: how many answers to expect. */
  aliveCount(): number;
  query(
    name: string,
    payload: Uint8Array,
    params: { expectedResponses: number; relayFactor?: number },
    options?: AbortOptions,
  ): Promise<QueryResult>;
}

/** Per call: `relayFactor` (0..5) sends every member's answer through that many others too (lossy networks). */
export interface KeyringCallOptions extends AbortOptions {
  readonly relayFactor?: number;
}

export class KeyManager {
  constructor(private readonly host: KeyManagerHost) {}

  installKey(key: string, options?: KeyringCallOptions): Promise<KeyResponse> {
    return this.run('install', key, options);
  }

  useKey(key: string, options?: KeyringCallOptions): Promise<KeyResponse> {
    return this.run('use', key, options);
  }

  removeKey(key: string, options?: KeyringCallOptions): Promise<KeyResponse> {
    return this.run('remove', key, options);
  }

  listKeys(options?: KeyringCallOptions): Promise<KeyResponse> {
    return this.run('list', undefined, options);
  }

  private async run(
    operation: KeyringOperation,
    key: string | undefined,
    options: KeyringCallOptions = {},
  ): Promise<KeyResponse> {
    if (key !== undefined) decodeKey(key);
    const memberCount = this.host.aliveCount();
    const result = await this.host.query(
      keyringQueryNames[operation],
      encodeKeyRequest(key),
      {
        expectedResponses: memberCount,
        ...(options.relayFactor === undefined ? {} : { relayFactor: options.relayFactor }),
      },
      options,
    );
    const response = aggregateKeyResponses(result.responses, memberCount);
    const missing = Math.max(0, memberCount - response.NumResp);
    if (response.NumErr > 0 || missing > 0) {
      const problems = [
        response.NumErr > 0 ? `${response.NumErr}/${memberCount} nodes reported failure` : '',
        missing > 0 ? `${missing}/${memberCount} nodes did not answer in time` : '',
      ].filter(Boolean);
      throw new KeyringOperationError(`keyring ${operation} failed: ${problems.join(', ')}`, response);
    }
    return response;
  }
}

/** One element of `GET /v1/operator/keyring`'s list, as Consul's `api.KeyringResponse` (built at the HTTP edge). */
export interface ConsulKeyringResponse {
  readonly WAN: boolean;
  readonly Datacenter: string;
  readonly Segment: string;
  readonly Messages: Record<string, string>;
  readonly Keys: Record<string, number>;
  readonly PrimaryKeys: Record<string, number>;
  readonly NumNodes: number;
}

export function toConsulKeyringResponse(
  response: KeyResponse,
  pool: { readonly datacenter: string; readonly wan: boolean; readonly segment?: string },
): ConsulKeyringResponse {
  return {
    WAN: pool.wan,
    Datacenter: pool.datacenter,
    Segment: pool.segment ?? '',
    Messages: response.Messages,
    Keys: response.Keys,
    PrimaryKeys: response.PrimaryKeys,
    NumNodes: response.NumNodes,
  };
}
