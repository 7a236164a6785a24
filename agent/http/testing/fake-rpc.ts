// A scripted RpcClient for route tests: each method answers from a handler the test installs, every call is
// recorded (method, args, context, query options) for assertions, and a method without a handler fails the way
// a server without that endpoint does.

import { silentLogger } from '../../../lib/log.js';
import { UnknownMethodError } from '../../../server/rpc/errors.js';
import type { CallOptions, QueryMeta, RpcClient, RpcMethodName, RpcMethods } from '../../../server/rpc/methods.js';
import { type Authorizer, allowAllAuthorizer } from '../../acl/authorizer.js';
import type { BuildInfo } from '../../build-info.js';
import { testEnvironment } from '../../config/testing.js';
import type { AgentConfig } from '../../config/types.js';
import { validateConfig } from '../../config/validate.js';
import { buildHttpApi } from '../api.js';

export interface RecordedCall {
  readonly method: RpcMethodName;
  readonly args: unknown;
  readonly options: CallOptions;
}

type Handler<M extends RpcMethodName> = (
  args: RpcMethods[M]['args'],
  options: CallOptions,
) => RpcMethods[M]['reply'] | Promise<RpcMethods[M]['reply']>;

export class FakeRpcClient implements RpcClient {
  readonly calls: RecordedCall[] = [];
  private readonly handlers = new Map<RpcMethodName, Handler<RpcMethodName>>();

  on<M extends RpcMethodName>(method: M, handler: Handler<M>): this {
    this.handlers.set(method, handler as unknown as Handler<RpcMethodName>);
    return this;
  }

  async call<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']> {
    this.calls.push({ method, args, options });
    const handler = this.handlers.get(method);
    if (!handler) throw new UnknownMethodError(method);
    return (await handler(args, options)) as RpcMethods[M]['reply'];
  }

  /** The calls of one method, in order. */
  callsOf(method: RpcMethodName): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }
}

export function meta(index: number, knownLeader = true, lastContactMs = 0): QueryMeta {
  return { index, knownLeader, lastContactMs };
}

export const testBuild: BuildInfo = {
  version: '0.1.0',
  consulVersion: '1.20.0',
  revision: 'abc123',
  buildDate: '2026-01-01T00:00:00Z',
};

export function testConfig(values: Record<string, unknown> = {}): AgentConfig {
  const result = validateConfig([{ sourceName: 'test', values }], { devMode: true, environment: testEnvironment });
  if (!result.config) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

/** The whole HTTP API (as the agent builds it) over a fake RPC client. */
export function apiWithRpc(
  rpc: RpcClient,
  config: AgentConfig = testConfig(),
  authorizer: Authorizer = allowAllAuthorizer,
) {
  return buildHttpApi({
    config,
    build: testBuild,
    runtime: { arch: 'x64', os: 'linux', nodeVersion: 'v20.0.0', cpuCount: 2 },
    authorizer,
    log: silentLogger(),
    rpc,
  });
}
