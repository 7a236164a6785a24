// The bytes of a Raft log entry for the FSM: a MessagePack envelope `{v: version, t: type, p: payload}`. Decoding
// checks the envelope only (version, a known type, a payload of the right kind); the state store validates the
// payload's fields when it applies the command, so garbage is refused with a typed error either way.

import { Packr } from 'msgpackr';
import { LatticeError } from '../../lib/errors.js';
import { unpackKeepingKeys } from '../../lib/msgpack-keys.js';
import { batchableCommandTypes, type Command, type CommandType, commandTypes } from './commands.js';

export const commandFormatVersion = 1;
/** A Raft entry larger than this is not one of ours; Consul's limits keep commands far below it. */
export const commandSizeBytesMax = 16 * 1024 * 1024;

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** Bytes that are not a command envelope this version understands. */
export class CommandCodecError extends LatticeError {
  override readonly name: string = 'CommandCodecError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_COMMAND_CODEC', message, options);
  }
}

/** A well-formed envelope whose type this server does not apply (reserved for later, or from a newer version). */
export class UnknownCommandError extends LatticeError {
  override readonly name: string = 'UnknownCommandError';
  constructor(readonly commandType: string) {
    super('ERR_UNKNOWN_COMMAND', `unknown command type ${JSON.stringify(commandType)}`);
  }
}

interface Envelope {
  readonly v: number;
  readonly t: CommandType;
  readonly p: unknown;
}

function payloadOf(command: Command): unknown {
  switch (command.type) {
    case 'batch':
      return command.commands.map((inner) => ({ t: inner.type, p: payloadOf(inner) }));
    case 'register':
    case 'deregister':
      return command.request;
    case 'coordinate-batch-update':
      return command.updates;
    case 'kv':
    case 'session':
    case 'config-entry':
    case 'intention':
    case 'ca-roots':
    case 'prepared-query':
    case 'autopilot':
    case 'restore':
      return command.request;
    case 'txn':
      return command.ops;
  }
}

export function encodeCommand(command: Command): Uint8Array {
  const envelope: Envelope = { v: commandFormatVersion, t: command.type, p: payloadOf(command) };
  return packr.pack(envelope);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function decodeCommand(bytes: Uint8Array): Command {
  if (bytes.byteLength === 0) throw new CommandCodecError('empty command');
  if (bytes.byteLength > commandSizeBytesMax) throw new CommandCodecError(`command of ${bytes.byteLength} bytes`);
  let envelope: unknown;
  try {
    envelope = unpackKeepingKeys(packr, bytes);
  } catch (error) {
    throw new CommandCodecError('command is not valid MessagePack', { cause: error });
  }
  if (!isObject(envelope)) throw new CommandCodecError('command envelope is not a map');
  const { v: version, t: type, p: payload } = envelope;
  if (version !== commandFormatVersion) throw new CommandCodecError(`unsupported command version ${String(version)}`);
  return decodeTyped(type, payload);
}

/** Command `type` with `payload`; a batch's items are decoded the same way and must be batchable. */
function decodeTyped(type: unknown, payload: unknown): Command {
  if (typeof type !== 'string') throw new CommandCodecError('command type is not a string');
  // Reserved types (reservedCommandTypes) land here too until their handlers exist.
  if (!commandTypes.includes(type as CommandType)) throw new UnknownCommandError(type);
  switch (type as CommandType) {
    case 'register':
      if (!isObject(payload)) throw new CommandCodecError('register payload is not a map');
      return { type: 'register', request: payload as never };
    case 'deregister':
      if (!isObject(payload)) throw new CommandCodecError('deregister payload is not a map');
      return { type: 'deregister', request: payload as never };
    case 'coordinate-batch-update':
      if (!Array.isArray(payload)) throw new CommandCodecError('coordinate-batch-update payload is not a list');
      return { type: 'coordinate-batch-update', updates: payload as never };
    case 'kv':
      if (!isObject(payload)) throw new CommandCodecError('kv payload is not a map');
      return { type: 'kv', request: payload as never };
    case 'session':
      if (!isObject(payload)) throw new CommandCodecError('session payload is not a map');
      return { type: 'session', request: payload as never };
    case 'txn':
      if (!Array.isArray(payload)) throw new CommandCodecError('txn payload is not a list');
      return { type: 'txn', ops: payload as never };
    case 'batch': {
      if (!Array.isArray(payload)) throw new CommandCodecError('batch payload is not a list');
      const commands = payload.map((item) => {
        if (!isObject(item)) throw new CommandCodecError('batch item is not a map');
        if (!batchableCommandTypes.includes(item['t'] as CommandType))
          throw new CommandCodecError(`a batch may not hold ${JSON.stringify(item['t'])}`);
        return decodeTyped(item['t'], item['p']);
      });
      return { type: 'batch', commands };
    }
    case 'config-entry':
    case 'intention':
    case 'ca-roots':
    case 'prepared-query':
    case 'autopilot':
    case 'restore':
      if (!isObject(payload)) throw new CommandCodecError(`${type} payload is not a map`);
      return { type, request: payload as never } as Command;
  }
}
