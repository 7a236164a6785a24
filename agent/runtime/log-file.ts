// `log_file` (Consul's logging/logfile.go): the agent's log lines also go to a file. A path ending in `/` is a
// directory and the file is `consul.log` in it (Consul's default name); otherwise the path names the file. The
// active file keeps its name and is appended to across restarts; it is rotated when it reaches
// `log_rotate_bytes` (0 = no size limit) or has been open `log_rotate_duration` (default 24 h): renamed to
// `<name>-<unix nanoseconds><ext>` and a new one opened. `log_rotate_max_files` archived files are kept (0 keeps
// all, -1 deletes every archive at rotation), oldest deleted first. Writes are synchronous, like the agent's stderr
// output, so lines are in the file in the order they were logged and none is lost at exit.

import { closeSync, fstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { LogFileConfig } from '../config/types.js';

/** Consul's name for the file when log_file names only a directory. */
export const logFileNameDefault = 'consul.log';

export class LogFile {
  private readonly dir: string;
  private readonly name: string;
  private fd: number;
  private bytes: number;
  private openedAtMs: number;

  constructor(
    private readonly settings: LogFileConfig,
    private readonly nowMs: () => number = Date.now,
  ) {
    const directoryOnly = settings.path.endsWith('/');
    this.dir = directoryOnly ? settings.path : dirname(settings.path);
    this.name = directoryOnly ? logFileNameDefault : basename(settings.path);
    this.pruneArchives();
    ({ fd: this.fd, bytes: this.bytes } = this.openActive());
    this.openedAtMs = this.nowMs();
  }

  /** The active file's path. */
  get path(): string {
    return join(this.dir, this.name);
  }

  write(text: string): void {
    this.rotateIfDue();
    const data = Buffer.from(text, 'utf8');
    writeSync(this.fd, data);
    this.bytes += data.length;
  }

  close(): void {
    closeSync(this.fd);
  }

  private openActive(): { fd: number; bytes: number } {
    const fd = openSync(this.path, 'a', 0o640);
    return { fd, bytes: fstatSync(fd).size };
  }

  private rotateIfDue(): void {
    const { rotateBytes, rotateDurationMs } = this.settings;
    const full = rotateBytes > 0 && this.bytes >= rotateBytes;
    const old = this.nowMs() - this.openedAtMs >= rotateDurationMs;
    if (!full && !old) return;
    closeSync(this.fd);
    renameSync(this.path, join(this.dir, this.archiveName(this.nowMs())));
    ({ fd: this.fd, bytes: this.bytes } = this.openActive());
    this.openedAtMs = this.nowMs();
    this.pruneArchives();
  }

  /** `<name>-<unix nanoseconds><ext>`, as Consul names a rotated file. */
  private archiveName(atMs: number): string {
    const ext = extname(this.name);
    return `${this.name.slice(0, this.name.length - ext.length)}-${BigInt(atMs) * 1_000_000n}${ext}`;
  }

  private archives(): string[] {
    const ext = extname(this.name);
    const stem = this.name.slice(0, this.name.length - ext.length);
    const pattern = new RegExp(`^${escapeRegExp(stem)}-(\\d+)${escapeRegExp(ext)}$`);
    return readdirSync(this.dir)
      .filter((entry) => pattern.test(entry))
      .sort((a, b) => {
        const left = BigInt(pattern.exec(a)?.[1] ?? '0');
        const right = BigInt(pattern.exec(b)?.[1] ?? '0');
        return left < right ? -1 : left > right ? 1 : 0;
      });
  }

  private pruneArchives(): void {
    const { rotateMaxFiles } = this.settings;
    if (rotateMaxFiles === 0) return;
    const archives = this.archives();
    const keep = Math.max(rotateMaxFiles, 0);
    for (const archive of archives.slice(0, Math.max(0, archives.length - keep))) unlinkSync(join(this.dir, archive));
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A stream that writes each chunk to `target` and, synchronously, to the log file. */
export function teeToLogFile(target: NodeJS.WritableStream, file: LogFile): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      try {
        file.write(text);
      } catch {
        // A full disk or a removed directory must not stop the agent or its stderr log.
      }
      target.write(text, callback);
    },
  });
}
