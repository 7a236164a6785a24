// The KV layout of one remote exec job, as Consul's CLI and agents share it: the CLI writes `<prefix>/<session>/job`;
// each agent that runs it writes `<prefix>/<session>/<node>/ack` (empty), `.../out/00000`, `.../out/00001`...
// (output chunks, or empty heartbeats; the number is lowercase hex, %05x) and `.../exit` (the exit code as decimal
// text). Paths are joined as Go's path.Join does. The CLI reads the keys back and sorts them into what they report.

import { posix } from 'node:path';

export const jobFileName = 'job';

/** Go's path.Join: cleaned, empty elements skipped ('' when all are empty). */
export function joinKey(...elements: readonly string[]): string {
  const present = elements.filter((element) => element !== '');
  return present.length === 0 ? '' : posix.join(...present);
}

export const jobKey = (prefix: string, session: string): string => joinKey(prefix, session, jobFileName);

/** The directory the CLI watches (with the trailing slash Consul's CLI lists it with). */
export const jobDirectory = (prefix: string, session: string): string => `${joinKey(prefix, session)}/`;

export const ackKey = (prefix: string, session: string, node: string): string => joinKey(prefix, session, node, 'ack');

export const exitKey = (prefix: string, session: string, node: string): string =>
  joinKey(prefix, session, node, 'exit');

/** Consul's fmt.Sprintf("%05x", num). */
export const outputKey = (prefix: string, session: string, node: string, chunkNumber: number): string =>
  joinKey(prefix, session, node, 'out', chunkNumber.toString(16).padStart(5, '0'));

export type ResultKey =
  | { readonly kind: 'job' }
  | { readonly kind: 'ack'; readonly node: string }
  | { readonly kind: 'exit'; readonly node: string }
  | { readonly kind: 'output'; readonly node: string }
  | { readonly kind: 'unknown' };

/**
 * Consul's streamResults switch over a key relative to the job directory, in its order: `job`, a `/ack` suffix,
 * an `/exit` suffix, then anything holding `/out/` (output or heartbeat, by whether the value is empty).
 */
export function classifyResultKey(relativeKey: string): ResultKey {
  if (relativeKey === jobFileName) return { kind: 'job' };
  if (relativeKey.endsWith('/ack')) return { kind: 'ack', node: relativeKey.slice(0, -'/ack'.length) };
  if (relativeKey.endsWith('/exit')) return { kind: 'exit', node: relativeKey.slice(0, -'/exit'.length) };
  const divider = relativeKey.lastIndexOf('/out/');
  if (divider !== -1) return { kind: 'output', node: relativeKey.slice(0, divider) };
  return { kind: 'unknown' };
}
