// The Raft gRPC service, defined in code rather than .proto: three methods whose frames are msgpack (decoded
// leniently so garbage reaches our validation instead of failing inside grpc-js).
//   Messages         client stream of { messages: RaftMessage[] } frames: appends, heartbeats, responses, pipelined;
//                    only to and from peers without the framed path (older Lattice): see framed-protocol.ts
//   Vote             unary { messages: [RaftMessage] }: votes and transfers, never stuck behind a big append
//   InstallSnapshot  client stream: { header } then { chunk } frames; the reply says the receiver stored it

import type * as grpc from '@grpc/grpc-js';
import { decodeFrame, encodeFrame } from './message-codec.js';

const servicePath = '/lattice.raft.Raft';

function method(name: string, requestStream: boolean): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: `${servicePath}/${name}`,
    requestStream,
    responseStream: false,
    requestSerialize: encodeFrame,
    requestDeserialize: decodeFrame,
    responseSerialize: encodeFrame,
    responseDeserialize: decodeFrame,
  };
}

export const raftService = {
  messages: method('Messages', true),
  vote: method('Vote', false),
  installSnapshot: method('InstallSnapshot', true),
} satisfies grpc.ServiceDefinition;

/** Messages that go by unary call: small, latency-sensitive, and must not queue behind appends. */
export const unaryMessageTypes: ReadonlySet<string> = new Set([
  'vote',
  'vote-response',
  'pre-vote',
  'pre-vote-response',
  'timeout-now',
]);
