// The agent's log output, teed: every formatted line goes to the real destination (stderr) and to the current
// subscribers (`/v1/agent/monitor` streams). Subscribers are bounded in number; a subscriber that cannot keep up
// drops lines (counted) rather than buffering without limit, as Consul's monitor does.

import { Writable } from 'node:stream';

/** Monitors attached at once; more are refused (each holds an HTTP connection and a buffer). */
export const logSubscribersMax = 64;

export interface LogSource {
  /** Calls `listener` with each log line (newline included); null when the subscriber limit is reached. */
  subscribe(listener: (line: string) => void): (() => void) | null;
}

export class LogFanOut extends Writable implements LogSource {
  private readonly subscribers = new Set<(line: string) => void>();

  constructor(private readonly target: NodeJS.WritableStream) {
    super({ decodeStrings: false });
  }

  subscribe(listener: (line: string) => void): (() => void) | null {
    if (this.subscribers.size >= logSubscribersMax) return null;
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (const listener of [...this.subscribers]) {
      try {
        listener(text);
      } catch {
        this.subscribers.delete(listener); // a broken monitor connection must never stop logging
      }
    }
    this.target.write(text, callback);
  }
}

const levelRank: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };
const textLevel = /\b(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b/;

/** True when a formatted line (pretty text or pino JSON) is at `minimum` level or above. */
export function lineAtLevel(line: string, minimum: string): boolean {
  const wanted = levelRank[minimum.toLowerCase()] ?? levelRank['info']!;
  const trimmed = line.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const level = (JSON.parse(trimmed) as { level?: unknown }).level;
      return typeof level === 'number' ? level >= wanted : true;
    } catch {
      return true;
    }
  }
  const match = textLevel.exec(line);
  if (!match) return true;
  return (levelRank[match[1]!.toLowerCase()] ?? 60) >= wanted;
}
