// The server's Raft state machine, as raft/fsm.ts expects it: see server/fsm/index.ts.
export * from './fsm/index.js';
