// The two JSON documents of Consul's remote exec (agent/remote_exec.go, command/exec/exec.go), byte-compatible
// with a Go `consul exec` and a Go agent: the `_rexec` user event's payload `{"Prefix","Session"}`, and the job
// spec the CLI writes to `<prefix>/<session>/job`: `{"Command"?, "Args"?, "Script"?, "Wait"}` with Script as
// base64 (Go []byte) and Wait in nanoseconds (Go time.Duration). Decoding matches member names case-insensitively,
// as Go's encoding/json does, and refuses anything a Go agent could not decode, plus a job with nothing to run.

import { LatticeError } from '../../lib/errors.js';

/** Consul's KV prefix and user event name for remote exec. */
export const remoteExecPrefixDefault = '_rexec';
/** Nanoseconds per millisecond: Go's time.Duration counts nanoseconds. */
const nanosecondsPerMs = 1_000_000;
/** Consul's uuid form; any other session text is refused before it becomes part of a KV path. */
const sessionPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class RemoteExecDecodeError extends LatticeError {
  override readonly name = 'RemoteExecDecodeError';
  constructor(message: string) {
    super('ERR_REMOTE_EXEC_DECODE', message);
  }
}

/** Where a job lives: `<prefix>/<session>/...`. */
export interface RemoteExecEvent {
  readonly prefix: string;
  readonly session: string;
}

/** What to run: exactly one of `command` (through the shell), `args` (no shell) or `script` (a file). */
export type RemoteExecJob =
  | { readonly kind: 'command'; readonly command: string; readonly waitMs: number }
  | { readonly kind: 'args'; readonly args: readonly string[]; readonly waitMs: number }
  | { readonly kind: 'script'; readonly script: Uint8Array; readonly waitMs: number };

export function encodeRemoteExecEvent(event: RemoteExecEvent): Uint8Array {
  return Buffer.from(JSON.stringify({ Prefix: event.prefix, Session: event.session }));
}

/** Go's json.Marshal of rExecSpec: omitempty on Command, Args and Script; Wait always, in nanoseconds. */
export function encodeRemoteExecJob(job: RemoteExecJob): Uint8Array {
  const wire: Record<string, unknown> = {};
  if (job.kind === 'command' && job.command !== '') wire.Command = job.command;
  if (job.kind === 'args' && job.args.length > 0) wire.Args = job.args;
  if (job.kind === 'script' && job.script.length > 0) wire.Script = Buffer.from(job.script).toString('base64');
  wire.Wait = Math.round(job.waitMs * nanosecondsPerMs);
  return Buffer.from(JSON.stringify(wire));
}

function parseObject(bytes: Uint8Array, what: string): Map<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new RemoteExecDecodeError(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new RemoteExecDecodeError(`${what} is not a JSON object`);
  // Go's encoding/json matches member names case-insensitively; the last duplicate wins, as there.
  const members = new Map<string, unknown>();
  for (const [name, value] of Object.entries(parsed)) members.set(name.toLowerCase(), value);
  return members;
}

function optionalString(members: Map<string, unknown>, name: string, what: string): string {
  const value = members.get(name.toLowerCase());
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new RemoteExecDecodeError(`${what}: ${name} must be a string`);
  return value;
}

export function decodeRemoteExecEvent(payload: Uint8Array): RemoteExecEvent {
  const members = parseObject(payload, 'remote exec event');
  const prefix = optionalString(members, 'Prefix', 'remote exec event');
  const session = optionalString(members, 'Session', 'remote exec event');
  if (!sessionPattern.test(session))
    throw new RemoteExecDecodeError(`remote exec event: Session ${JSON.stringify(session)} is not a session ID`);
  return { prefix, session };
}

function decodeArgs(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((arg) => typeof arg === 'string'))
    throw new RemoteExecDecodeError('remote exec job: Args must be a list of strings');
  return value;
}

/** Go decodes []byte from standard base64 and refuses anything else. */
function decodeScript(value: unknown): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array(0);
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    throw new RemoteExecDecodeError('remote exec job: Script must be base64 text');
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function decodeWaitMs(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new RemoteExecDecodeError('remote exec job: Wait must be a whole, non-negative number of nanoseconds');
  return value / nanosecondsPerMs;
}

/** A Go agent runs Args when given, else Script, else Command; so does this (a spec normally carries one). */
export function decodeRemoteExecJob(bytes: Uint8Array): RemoteExecJob {
  const members = parseObject(bytes, 'remote exec job');
  const command = optionalString(members, 'Command', 'remote exec job');
  const args = decodeArgs(members.get('args'));
  const script = decodeScript(members.get('script'));
  const waitMs = decodeWaitMs(members.get('wait'));
  if (args.length > 0) return { kind: 'args', args, waitMs };
  if (script.length > 0) return { kind: 'script', script, waitMs };
  if (command.trim() !== '') return { kind: 'command', command, waitMs };
  throw new RemoteExecDecodeError('remote exec job has nothing to run (no Command, Args or Script)');
}
