// `lattice snapshot save|restore|inspect FILE`: saves the catalog from the servers to a file (written to a temporary
// name, verified, then renamed, so a failed save never leaves a file that looks good), restores one, and inspects
// one locally without any agent (index, term, size and rows per table, every checksum verified). Large files show
// progress on stderr.

import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { inspectSnapshot, type SnapshotSummary } from '../../server/fsm/index.js';
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

export function formatSummary(summary: SnapshotSummary, sizeBytes: number): string {
  const head = formatTable([
    ['ID', `${summary.term}-${summary.index}`],
    ['Size', String(sizeBytes)],
    ['Index', String(summary.index)],
    ['Term', String(summary.term)],
    ['Version', String(summary.formatVersion)],
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
      const { size } = await stat(partial);
      const summary = await inspectSnapshot(readWithProgress(partial, size, 'Verifying'));
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
    const { size } = await stat(file);
    // Verified locally first: a damaged file is refused here rather than by the servers.
    await inspectSnapshot(readWithProgress(file, size, 'Verifying'));
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
      const { size } = await stat(file);
      const summary = await inspectSnapshot(readWithProgress(file, size, 'Reading'));
      if (format === 'json') {
        const json = {
          Index: summary.index,
          Term: summary.term,
          Size: size,
          Version: summary.formatVersion,
          Tables: summary.tables,
          IndexCount: summary.indexCount,
        };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${formatSummary(summary, size)}\n`);
    });
}
