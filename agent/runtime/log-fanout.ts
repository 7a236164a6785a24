// The agent's log output, teed: every formatted line goes to the real destination (stderr) and to the current
// subscribers (`/v1/agent/monitor` streams). Subscribers are bounded in number; a subscriber that cannot keep up
// drops lines (counted) rather than buffering without limit, as Consul's monitor does.
// A monitor may ask for more detail than the agent's log_level (Consul's monitor sinks on hclog's intercept logger
// get every line at their own level): while one does, the logger runs at that level and the lines below log_level
// go to the subscribers only, never to stderr. createLogger attaches the logger (lib/log.ts); pino's children
// read their level from it unless they set their own.

import { Writable } from 'node:stream';
import type { LevelAwareDestination, LogLevel } from '../../lib/log.js';

/** Monitors attached at once; more are refused (each holds an HTTP connection and a buffer). */
export const logSubscribersMax = 64;

export interface LogSource {
  /**
   * Calls `listener` with each log line (newline included), produced down to `level` (default info) even when the
   * agent logs less; the listener still filters what it shows. Null when the subscriber limit is reached.
   */
  subscribe(listener: (line: string) => void, level?: string): (() => void) | null;
}

export class LogFanOut extends Writable implements LogSource, LevelAwareDestination {
  /** Each subscriber with the level rank it wants lines down to. */
  private readonly subscribers = new Map<(line: string) => void, number>();
  private logger: { level: string } | null = null;
  private configuredLevel: LogLevel = 'info';
  /** True while the logger runs below log_level for a subscriber: stderr then takes only log_level and up. */
  private widened = false;

  constructor(private readonly target: NodeJS.WritableStream) {
    super({ decodeStrings: false });
  }

  attachLogger(logger: { level: string }, configuredLevel: LogLevel): void {
    this.logger = logger;
    this.configuredLevel = configuredLevel;
    this.applyLevel();
  }

  subscribe(listener: (line: string) => void, level = 'info'): (() => void) | null {
    if (this.subscribers.size >= logSubscribersMax) return null;
    this.subscribers.set(listener, rankOf(level));
    this.applyLevel();
    return () => {
      this.subscribers.delete(listener);
      this.applyLevel();
    };
  }

  /** The lowest level anyone wants: log_level, or a subscriber's when lower. */
  private applyLevel(): void {
    if (this.logger === null) return;
    const configured = rankOf(this.configuredLevel);
    let lowest = configured;
    for (const rank of this.subscribers.values()) lowest = Math.min(lowest, rank);
    this.widened = lowest < configured;
    const name = levelNameOf(lowest);
    if (this.logger.level !== name) this.logger.level = name;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (const listener of [...this.subscribers.keys()]) {
      try {
        listener(text);
      } catch {
        this.subscribers.delete(listener); // a broken monitor connection must never stop logging
      }
    }
    if (this.widened && !lineAtLevel(text, this.configuredLevel)) {
      callback();
      return;
    }
    this.target.write(text, callback);
  }
}

const levelRank: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };
const levelNames: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

function rankOf(level: string): number {
  const name = level.toLowerCase();
  return levelRank[name === 'warning' ? 'warn' : name === 'err' ? 'error' : name] ?? levelRank['info']!;
}

function levelNameOf(rank: number): LogLevel {
  return levelNames.find((name) => levelRank[name] === rank) ?? 'info';
}
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
