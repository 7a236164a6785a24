// Reads what the nodes write under a job's directory, as Consul's streamResults (command/exec/exec.go): a blocking
// key listing (`?keys`, waiting up to -wait), each new key once, sorted by classifyResultKey into an ack, an exit
// code (read and parsed as a 32-bit integer), an output chunk or a heartbeat (an empty chunk), or an unknown key
// (reported and ignored). Within one listing a node's exit is reported after its output, so the exit line never
// comes before the last output it follows (a Go CLI may print them in key order: `exit` sorts before `out/`).

import { classifyResultKey } from '../../agent/remote-exec/keys.js';
import { formatDuration } from '../../lib/duration.js';
import type { HttpClientOptions } from '../http-options.js';
import { agentCall, decodeValue, kvPath, parseKvPairs } from './kv-http.js';

export interface ResultSink {
  ack(node: string): void;
  heartbeat(node: string): void;
  output(node: string, output: Buffer): void;
  exit(node: string, code: number): void;
  /** A key that could not be read or understood (printed to stderr; the job goes on). */
  problem(message: string): void;
}

const int32Pattern = /^[+-]?\d+$/;

/** Go's strconv.ParseInt(text, 10, 32). */
function parseExitCode(text: string): number | null {
  if (!int32Pattern.test(text)) return null;
  const code = Number(text);
  return code >= -(2 ** 31) && code < 2 ** 31 ? code : null;
}

async function readValue(target: HttpClientOptions, key: string): Promise<Buffer | null> {
  const answer = await agentCall(target, `reading ${key}`, { path: kvPath(key), accept: [404] });
  if (answer.status === 404) return null;
  const pair = parseKvPairs(answer, `reading ${key}`)[0];
  return pair === undefined ? null : decodeValue(pair.Value);
}

async function report(target: HttpClientOptions, directory: string, key: string, sink: ResultSink): Promise<void> {
  const relative = key.startsWith(directory) ? key.slice(directory.length) : key;
  const kind = classifyResultKey(relative);
  if (kind.kind === 'job') return;
  if (kind.kind === 'ack') return sink.ack(kind.node);
  if (kind.kind === 'unknown') return sink.problem(`Unknown key '${relative}', ignoring.`);
  let value: Buffer | null;
  try {
    value = await readValue(target, key);
  } catch (error) {
    return sink.problem(`Failed to read key '${key}': ${(error as Error).message}`);
  }
  if (value === null) return sink.problem(`Failed to read key '${key}': <nil>`);
  if (kind.kind === 'output') return value.length === 0 ? sink.heartbeat(kind.node) : sink.output(kind.node, value);
  const code = parseExitCode(value.toString('utf8'));
  if (code === null)
    return sink.problem(`Failed to parse exit code '${value.toString('utf8')}': not a 32-bit decimal integer`);
  sink.exit(kind.node, code);
}

/** Streams results until `signal` aborts (resolves) or a listing fails (rejects). */
export async function streamResults(
  target: HttpClientOptions,
  directory: string,
  waitMs: number,
  signal: AbortSignal,
  sink: ResultSink,
): Promise<void> {
  const seen = new Set<string>();
  let index = 0;
  while (!signal.aborted) {
    let answer: Awaited<ReturnType<typeof agentCall>>;
    try {
      answer = await agentCall(target, 'Failed to read results', {
        path: kvPath(directory),
        query: [
          ['keys', ''],
          ['index', String(index)],
          ['wait', formatDuration(waitMs)],
        ],
        accept: [404],
        signal,
      });
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (answer.index === index) continue;
    index = answer.index;
    const keys = answer.status === 404 ? [] : (JSON.parse(answer.body) as string[]);
    const fresh = keys.filter((key) => !seen.has(key));
    for (const key of fresh) seen.add(key);
    const exits = fresh.filter((key) => key.endsWith('/exit'));
    for (const key of [...fresh.filter((key) => !key.endsWith('/exit')), ...exits]) {
      if (signal.aborted) return;
      await report(target, directory, key, sink);
    }
  }
}
