// A real JSON logger whose lines a test can read back as objects: for asserting what a component logs, at which
// level (pino's numbers: 20 debug, 30 info, 40 warn, 50 error) and with which fields.

import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../log.js';

export interface CapturedLog {
  readonly log: Logger;
  /** Every line written so far, parsed, in order. */
  readonly lines: Record<string, unknown>[];
}

export function capturedLog(level: LogLevel = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n'))
        if (text.trim() !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ level, json: true, destination }) };
}
