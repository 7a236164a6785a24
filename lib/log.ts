// Logging with pino: JSON lines with `-log-json`, otherwise a human-readable line per event (pino-pretty, in
// process and synchronous so nothing is lost at exit). Level names are Consul's (TRACE, DEBUG, INFO, WARN, ERROR;
// "ERR" and "WARNING" accepted as Consul does). Subsystems take a child logger with a `module` field.

import type { Writable } from 'node:stream';
import pino from 'pino';
import pretty from 'pino-pretty';
import { ValidationError } from './errors.js';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const levelAliases: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  err: 'error',
  error: 'error',
};

/** Maps a Consul log level name (any case) to ours; throws on an unknown name. */
export function parseLogLevel(name: string): LogLevel {
  const level = levelAliases[name.trim().toLowerCase()];
  if (!level) throw new ValidationError(`unknown log level "${name}" (use TRACE, DEBUG, INFO, WARN or ERROR)`);
  return level;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly json?: boolean;
  /** Where lines go; standard error by default so that command output on stdout stays clean. */
  readonly destination?: Writable;
  readonly colorize?: boolean;
}

/**
 * A destination that may lower the logger's level while a reader wants more detail than `level` (the agent's log
 * fan-out for /v1/agent/monitor); it then keeps lines below `level` from the real output itself.
 */
export interface LevelAwareDestination {
  attachLogger(logger: { level: string }, configuredLevel: LogLevel): void;
}

function isLevelAware(destination: Writable): destination is Writable & LevelAwareDestination {
  return typeof (destination as Partial<LevelAwareDestination>).attachLogger === 'function';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = createPinoLogger(options);
  if (options.destination && isLevelAware(options.destination))
    options.destination.attachLogger(logger, options.level ?? 'info');
  return logger;
}

function createPinoLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const destination = options.destination ?? process.stderr;
  // Secrets never reach a log line, whatever field name a caller picks for them.
  const redact = { paths: ['token', '*.token', 'encrypt', '*.encrypt', 'secret', '*.secret'], censor: '[redacted]' };
  if (options.json) {
    return pino({ level, base: null, redact, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  }
  const stream = pretty({
    destination,
    sync: true,
    colorize: options.colorize ?? false,
    translateTime: 'SYS:yyyy-mm-dd"T"HH:MM:ss.l',
    ignore: 'pid,hostname,module',
    messageFormat: '{if module}{module}: {end}{msg}',
    singleLine: true,
  });
  return pino({ level, base: null, redact }, stream);
}

/** A logger that drops everything, for tests and the simulator. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
