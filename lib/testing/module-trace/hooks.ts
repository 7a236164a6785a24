// Module customization hooks (node:module register) that append every module URL the process loads, one per line,
// to a file. They run on Node's hooks thread, so they write the file themselves rather than message the main thread
// (a MessagePort would keep an agent's event loop alive). Installed by ./register.ts.

import { appendFileSync } from 'node:fs';

interface TraceData {
  readonly file: string;
}

let traceFile: string | null = null;

export function initialize(data: TraceData): void {
  traceFile = data.file;
}

type NextLoad = (url: string, context: unknown) => unknown;

export function load(url: string, context: unknown, nextLoad: NextLoad): unknown {
  if (traceFile !== null) appendFileSync(traceFile, `${url}\n`);
  return nextLoad(url, context);
}
