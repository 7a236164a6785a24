// gRPC check (Consul CheckGRPC): grpc.health.v1.Health/Check on `host:port[/service]`; SERVING is passing,
// anything else or an error critical. The service definition is written by hand (two messages, one field each)
// so no .proto loader is needed.

import * as grpc from '@grpc/grpc-js';
import type { CheckDefinition } from '../config/types.js';
import { type CheckResult, errorText, type Probe } from './types.js';

/** HealthCheckResponse.ServingStatus */
const servingStatusNames = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/**
 * Encodes HealthCheckRequest { string service = 1; }. An empty service is still written as a zero-length field:
 * grpc-js servers refuse a unary call whose message has no bytes at all.
 */
export function encodeHealthRequest(service: string): Buffer {
  const text = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), encodeVarint(text.length), text]);
}

/** Decodes HealthCheckRequest (for test servers and symmetry). */
export function decodeHealthRequest(bytes: Buffer): string {
  let position = 0;
  let service = '';
  while (position < bytes.length) {
    const [key, afterKey] = readVarint(bytes, position);
    if ((key & 7) !== 2) throw new Error('unexpected field in HealthCheckRequest');
    const [length, start] = readVarint(bytes, afterKey);
    if (key >>> 3 === 1) service = bytes.subarray(start, start + length).toString('utf8');
    position = start + length;
  }
  return service;
}

/** Decodes HealthCheckResponse { ServingStatus status = 1; } (other fields skipped). */
export function decodeHealthResponse(bytes: Buffer): number {
  let position = 0;
  let status = 0;
  while (position < bytes.length) {
    const [key, afterKey] = readVarint(bytes, position);
    position = afterKey;
    const wireType = key & 7;
    if (wireType === 0) {
      const [value, next] = readVarint(bytes, position);
      if (key >>> 3 === 1) status = value;
      position = next;
    } else if (wireType === 2) {
      const [length, next] = readVarint(bytes, position);
      position = next + length;
    } else if (wireType === 5) position += 4;
    else if (wireType === 1) position += 8;
    else throw new Error(`unexpected protobuf wire type ${wireType}`);
  }
  return status;
}

function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function readVarint(bytes: Buffer, start: number): [number, number] {
  let value = 0;
  let shift = 0;
  let position = start;
  for (;;) {
    if (position >= bytes.length || shift > 28) throw new Error('truncated protobuf varint');
    const byte = bytes[position++]!;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value >>> 0, position];
    shift += 7;
  }
}

/** The request travels as an object: grpc-js takes a falsy argument (an empty string) for a missing message. */
export interface HealthCheckRequest {
  readonly service: string;
}

export const healthCheckMethod: grpc.MethodDefinition<HealthCheckRequest, number> = {
  path: '/grpc.health.v1.Health/Check',
  requestStream: false,
  responseStream: false,
  requestSerialize: (request: HealthCheckRequest) => encodeHealthRequest(request.service),
  requestDeserialize: (bytes: Buffer) => ({ service: decodeHealthRequest(bytes) }),
  responseSerialize: (status: number) => Buffer.from([0x08, status]),
  responseDeserialize: decodeHealthResponse,
};

export function grpcProbe(definition: CheckDefinition): Probe {
  const target = definition.grpc ?? '';
  const slash = target.indexOf('/');
  const address = slash === -1 ? target : target.slice(0, slash);
  const service = slash === -1 ? '' : target.slice(slash + 1);
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const credentials = definition.grpcUseTls
        ? grpc.credentials.createSsl(null, null, null, {
            checkServerIdentity: definition.tlsSkipVerify ? () => undefined : undefined,
            rejectUnauthorized: !definition.tlsSkipVerify,
          })
        : grpc.credentials.createInsecure();
      const client = new grpc.Client(address, credentials);
      const onAbort = (): void => call.cancel();
      const call = client.makeUnaryRequest(
        healthCheckMethod.path,
        healthCheckMethod.requestSerialize,
        healthCheckMethod.responseDeserialize,
        { service },
        (error, status) => {
          signal.removeEventListener('abort', onAbort);
          client.close();
          if (error) {
            resolve({
              status: 'critical',
              output: `gRPC ${target}: ${signal.aborted ? 'timed out' : errorText(error)}`,
            });
            return;
          }
          const name = servingStatusNames[status ?? 0] ?? String(status);
          resolve({
            status: status === 1 ? 'passing' : 'critical',
            output: `gRPC check ${target}: ${status === 1 ? 'success' : `service status ${name}`}`,
          });
        },
      );
      signal.addEventListener('abort', onAbort, { once: true });
    });
}
