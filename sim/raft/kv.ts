// The simulated state machine: a KV map driven by put commands in the Raft log, with each command tagged by
// the client request that made it so the simulator can tell whose entry landed at an index.

export interface PutCommand {
  readonly key: string;
  readonly value: string;
  readonly requestId: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePut(command: PutCommand): Uint8Array {
  return encoder.encode(`${command.requestId} ${command.key} ${command.value}`);
}

/** Null for entries that are not puts (the no-op a new leader appends). */
export function decodePut(data: Uint8Array): PutCommand | null {
  if (data.length === 0) return null;
  const [requestId, key, value] = decoder.decode(data).split(' ');
  if (requestId === undefined || key === undefined || value === undefined) return null;
  return { requestId: Number(requestId), key, value };
}
