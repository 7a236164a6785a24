// `lattice snapshot save|restore|inspect FILE`: saves the catalog from the servers to a file (written to a temporary
// name, verified, then renamed, so a failed save never leaves a file that looks good), restores one, and inspects
// one locally without any agent (ID, index, term, size and rows per table, every checksum verified). Files are
// Consul's archive layout (gzipped tar of meta.json, state.bin, SHA256SUMS; server/snapshot-archive.ts); a bare
// state file from an older Lattice still inspects and restores. Large files show progress on stderr.

import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { inspectSnapshot, type SnapshotSummary } from '../../server/fsm/index.js';
import { isGzip, readSnapshotArchive, type SnapshotArchiveMeta } from '../../server/snapshot-archive.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentRequest, checkFormat, formatTable } from './catalog-http.js';

/** Files above this get a progress bar on stderr while they are read. */
export const progressSizeBytesMin = 32 * 1024 * 1024;

/** Reads `path` as chunks, advancing a progress bar on stderr when the file is large and stderr a terminal. */
async function* readWithProgress(path: string, sizeBytes: number, label: string): AsyncGenerator<Uint8Array> {
  const showProgress = sizeBytes >= progressSizeBytesMin && process.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} MiB` },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const mib = (bytes: number) => Math.round(bytes / (1024 * 1024));
  bar?.start(mib(sizeBytes), 0);
  let readBytes = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      readBytes += (chunk as Buffer).length;
      bar?.update(mib(readBytes));
      yield chunk as Buffer;
    }
  } finally {
    bar?.stop();
  }
}

/** What a snapshot file holds: the archive's meta (null for a bare state file) and the state's summary. */
interface FileSummary {
  readonly meta: SnapshotArchiveMeta | null;
  readonly summary: SnapshotSummary;
}

/** Reads the whole file (progress on stderr when large), verifies the archive's sums and every state checksum. */
async function readSnapshotFile(path: string, label: string, failure: string): Promise<FileSummary> {
  // Consul's two wordings: the file cannot be opened, or what it holds is refused ("Error restoring snapshot").
  const opened = async <T>(work: () => Promise<T>, what: string): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new LatticeError('ERR_SNAPSHOT_FILE', `${what}: ${(error as Error).message}`);
    }
  };
  const { size } = await opened(() => stat(path), 'Error opening snapshot file');
  const chunks: Uint8Array[] = [];
  await opened(async () => {
    for await (const chunk of readWithProgress(path, size, label)) chunks.push(chunk);
  }, 'Error opening snapshot file');
  const bytes = Buffer.concat(chunks);
  return opened(async () => {
    if (!isGzip(bytes)) return { meta: null, summary: await inspectSnapshot(once(bytes)) };
    const archive = readSnapshotArchive(bytes);
    return { meta: archive.meta, summary: await inspectSnapshot(once(archive.state)) };
  }, failure);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export function formatSummary(
  summary: SnapshotSummary,
  sizeBytes: number,
  meta: SnapshotArchiveMeta | null = null,
): string {
  const head = formatTable([
    ['ID', meta?.ID ?? `${summary.term}-${summary.index}`],
    // Consul shows the state's size from meta.json; a bare state file is its own size.
    ['Size', String(meta?.Size ?? sizeBytes)],
    ['Index', String(summary.index)],
    ['Term', String(summary.term)],
    ['Version', String(meta?.Version ?? 1)],
    ['State format', String(summary.formatVersion)],
  ]);
  const tables = Object.entries(summary.tables).sort(([a], [b]) => a.localeCompare(b));
  const counts = formatTable([['Type', 'Count'], ...tables.map(([name, count]) => [name, String(count)])]);
  return `${head}\n\n${counts}\n\nIndex entries: ${summary.indexCount}`;
}

interface SaveFlags extends HttpOptionValues {
  stale?: boolean;
  datacenter?: string;
}

export function registerSnapshot(program: Command): void {
  const snapshot = program.command('snapshot').description('Saves, restores and inspects catalog snapshots');

  addHttpOptions(
    snapshot
      .command('save')
      .description("Saves a snapshot of the servers' state to FILE")
      .argument('<file>', 'where to write the snapshot')
      .option('--stale', 'lets any server answer, even without a leader')
      .option('--datacenter <dc>', "datacenter to save (default: the agent's)"),
  ).action(async (file: string, flags: SaveFlags) => {
    const query: [string, string][] = [];
    if (flags.stale) query.push(['stale', '']);
    if (flags.datacenter) query.push(['dc', flags.datacenter]);
    const response = await agentRequest(resolveHttpOptions(flags, process.env), 'saving snapshot', {
      path: '/v1/snapshot',
      query,
    });
    const partial = `${file}.part`;
    try {
      if (!response.body) throw new Error('the agent sent no snapshot body');
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(partial));
      const { summary } = await readSnapshotFile(partial, 'Verifying', 'Error verifying snapshot');
      await rename(partial, file);
      process.stdout.write(`Saved and verified snapshot to index ${summary.index}\n`);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  });

  addHttpOptions(
    snapshot
      .command('restore')
      .description('Restores the snapshot in FILE on the servers (replaces the catalog)')
      .argument('<file>', 'a snapshot from `lattice snapshot save`')
      .option('--datacenter <dc>', "datacenter to restore (default: the agent's)"),
  ).action(async (file: string, flags: SaveFlags) => {
    // Verified locally first: a damaged file is refused here rather than by the servers.
    await readSnapshotFile(file, 'Verifying', 'Error restoring snapshot');
    const query: [string, string][] = flags.datacenter ? [['dc', flags.datacenter]] : [];
    await agentRequest(resolveHttpOptions(flags, process.env), 'restoring snapshot', {
      method: 'PUT',
      path: '/v1/snapshot',
      query,
      body: await readFile(file),
    });
    process.stdout.write('Restored snapshot\n');
  });

  snapshot
    .command('inspect')
    .description('Shows the index, term, size and contents of the snapshot in FILE (no agent needed)')
    .argument('<file>', 'a snapshot file')
    .option('--format <format>', 'output format: pretty or json', 'pretty')
    .action(async (file: string, flags: { format: string }) => {
      const format = checkFormat(flags.format);
      const { meta, summary } = await readSnapshotFile(file, 'Reading', 'Error inspecting snapshot');
      const { size } = await stat(file);
      if (format === 'json') {
        const json = {
          ID: meta?.ID ?? `${summary.term}-${summary.index}`,
          Index: summary.index,
          Term: summary.term,
          Size: meta?.Size ?? size,
          Version: meta?.Version ?? 1,
          StateFormat: summary.formatVersion,
          Tables: summary.tables,
          IndexCount: summary.indexCount,
        };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${formatSummary(summary, size, meta)}\n`);
    });
}
