// The catalog FSM for the Raft driver and the snapshot file format.
//   new CatalogFsm(store)                 implements raft/fsm.ts Fsm; apply() → ApplyResponse {index, error, value?}
//   encodeCommand(command) / decodeCommand(bytes)   MessagePack envelope {v, t, p}; errors CommandCodecError,
//                                                   UnknownCommandError (reserved or future types)
//   registerCommand(req) · deregisterCommand(req) · coordinateBatchUpdateCommand(updates)
//   inspectSnapshot(chunks) → {formatVersion, index, term, tables: {name: rows}, indexCount}
//   readSnapshot(chunks) / encodeSnapshot(capture, header)   the versioned, CRC-checked snapshot stream

export {
  CommandCodecError,
  commandFormatVersion,
  commandSizeBytesMax,
  decodeCommand,
  encodeCommand,
  UnknownCommandError,
} from './codec.js';
export type { Command, CommandType } from './commands.js';
export {
  caRootsCommand,
  commandTypes,
  configEntryCommand,
  coordinateBatchUpdateCommand,
  deregisterCommand,
  intentionCommand,
  kvCommand,
  preparedQueryCommand,
  registerCommand,
  reservedCommandTypes,
  sessionCommand,
  txnCommand,
} from './commands.js';
export type { ApplyResponse } from './fsm.js';
export { applyCommand, CatalogFsm, CommandFailedError } from './fsm.js';
export type { SnapshotHeader, SnapshotSummary } from './snapshot-format.js';
export {
  encodeSnapshot,
  inspectSnapshot,
  readSnapshot,
  SnapshotFormatError,
  snapshotFormatVersion,
} from './snapshot-format.js';
