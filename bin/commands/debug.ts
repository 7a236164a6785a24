// `lattice debug`: records a debugging bundle from a running agent, as `consul debug` does (command/debug/debug.go):
// same flags (-capture, -duration, -interval, -output, -archive and the client HTTP flags), same progress lines,
// same refusals, same bundle layout (debug-bundle.ts). Profiles are V8's (a .cpuprofile, heap statistics, active
// handles) instead of Go's pprof, and need enable_debug on the agent (or ACLs and an operator:read token).
// Consul's -since (which runs hcdiag) answers "not implemented". The hidden `debug raft-kv` developer tool hangs below it.

import { type Command, InvalidArgumentError } from 'commander';
import { formatDuration, parseDuration } from '../../lib/duration.js';
import { LatticeError, NotImplementedError } from '../../lib/errors.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { archiveBundle, archiveExtension } from './debug-archive.js';
import { bundleFiles, DebugBundle, type DebugIndex, debugProtocolVersion, defaultOutputName } from './debug-bundle.js';
import {
  type CaptureComponents,
  captureDynamic,
  captureRaftPeers,
  captureStatic,
  type DebugUi,
} from './debug-capture.js';
import {
  captures,
  captureTargets,
  debugDurationDefaultMs,
  debugDurationGraceMs,
  debugIntervalDefaultMs,
  skipTimingMinimumsEnv,
  targetProblem,
  timingProblem,
  withoutUnavailableProfiles,
} from './debug-flags.js';
import { type DebugSource, httpDebugSource } from './debug-source.js';

interface DebugFlags extends HttpOptionValues {
  readonly capture?: string[];
  /** Milliseconds, parsed from a Go duration; undefined for the default. */
  readonly interval?: number;
  /** Milliseconds, parsed from a Go duration; undefined for the default. */
  readonly duration?: number;
  readonly output?: string;
  readonly archive: boolean;
  readonly since?: string;
}

const consoleUi: DebugUi = {
  output: (line) => process.stdout.write(`==> ${line}\n`),
  info: (line) => process.stdout.write(`    ${line}\n`),
  warn: (line) => process.stderr.write(`${line}\n`),
  error: (line) => process.stderr.write(`==> ${line}\n`),
};

function parseDurationFlag(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Go's boolean flag: `-archive`, `-archive=true`, `-archive=false`. */
function parseGoBool(value: string): boolean {
  if (/^(true|t|1)$/i.test(value)) return true;
  if (/^(false|f|0)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A refusal before anything is captured, in Consul's words; nothing is written. */
function validationFailure(problem: string): LatticeError {
  return new LatticeError('ERR_USAGE', `==> Capture validation failed: ${problem}`);
}

/** consul debug's prepare(): checks, agent version and permissions, final targets, the output directory. */
async function prepare(
  flags: DebugSettings,
  source: DebugSource,
  ui: DebugUi,
): Promise<{ version: string; targets: string[]; bundle: DebugBundle }> {
  const checkMinimums = process.env[skipTimingMinimumsEnv] !== '1';
  const timing = timingProblem({ durationMs: flags.duration, intervalMs: flags.interval }, { checkMinimums });
  if (timing !== null) throw validationFailure(timing);
  let self: Record<string, unknown>;
  try {
    self = await source.self();
  } catch (error) {
    throw validationFailure(
      `error querying target agent: ${(error as Error).message}. verify connectivity and agent address`,
    );
  }
  const version = (self['Config'] as Record<string, unknown> | undefined)?.['Version'];
  if (typeof version !== 'string') throw validationFailure('agent response did not contain version key');
  const debugConfig = (self['DebugConfig'] ?? {}) as Record<string, unknown>;
  const enableDebug = debugConfig['EnableDebug'];
  const aclsEnabled = debugConfig['ACLsEnabled'];
  if (typeof enableDebug !== 'boolean' || typeof aclsEnabled !== 'boolean') {
    throw validationFailure('agent response did not contain EnableDebug key');
  }
  const chosen = withoutUnavailableProfiles(flags.capture ?? [...captureTargets], { enableDebug, aclsEnabled });
  if (chosen.warning !== null) ui.warn(chosen.warning);
  const unknownTarget = targetProblem(chosen.targets);
  if (unknownTarget !== null) throw validationFailure(unknownTarget);
  try {
    const bundle = await DebugBundle.create(flags.output ?? defaultOutputName(new Date()));
    return { version, targets: chosen.targets, bundle };
  } catch (error) {
    throw validationFailure((error as Error).message);
  }
}

/** The flags with -interval and -duration defaulted, as Go's flag package fills them. */
interface DebugSettings extends DebugFlags {
  readonly interval: number;
  readonly duration: number;
}

async function runDebug(flags: DebugSettings): Promise<void> {
  const ui = consoleUi;
  const source = httpDebugSource(resolveHttpOptions(flags, process.env));
  const { version, targets, bundle } = await prepare(flags, source, ui);
  const outputName = flags.archive ? `${bundle.directory}${archiveExtension}` : bundle.directory;
  ui.output('Starting debugger and capturing static information...');
  ui.info(` Agent Version: '${version}'`);
  ui.info(`      Interval: '${formatDuration(flags.interval)}'`);
  ui.info(`      Duration: '${formatDuration(flags.duration)}'`);
  ui.info(`        Output: '${outputName}'`);
  ui.info(`       Capture: '${targets.join(', ')}'`);

  // Ctrl-C ends the timed captures; what was captured is still indexed and archived ("will archive the data at the
  // same path if interrupted"). A second Ctrl-C finds no listener and ends the process as usual.
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const run = { targets, intervalMs: flags.interval, durationMs: flags.duration + debugDurationGraceMs };
  const components: CaptureComponents = { source, bundle, ui, now: () => new Date() };
  try {
    const staticFailures = await captureStatic(components, targets);
    if (staticFailures.length > 0) ui.warn(`Static capture failed: ${staticFailures.join('; ')}`);
    if (captures(targets, 'metrics') || captures(targets, 'logs') || captures(targets, 'pprof')) {
      const failures = await captureDynamic(components, run, interrupt.signal);
      if (failures.length > 0) ui.error(`Error encountered during collection: ${failures.join('; ')}`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const index: DebugIndex = {
    Version: debugProtocolVersion,
    AgentVersion: version,
    Interval: formatDuration(run.intervalMs),
    Duration: formatDuration(run.durationMs),
    Targets: targets,
  };
  try {
    await bundle.writeJson(bundleFiles.index, index);
  } catch (error) {
    throw new LatticeError('ERR_DEBUG_INDEX', `==> Error creating index document: ${(error as Error).message}`);
  }
  await captureRaftPeers(components).catch((error: unknown) =>
    ui.warn(`Raft list peers capture failed: ${(error as Error).message}`),
  );
  if (flags.archive) {
    try {
      await archiveBundle(bundle.directory);
    } catch (error) {
      throw new LatticeError('ERR_DEBUG_ARCHIVE', `Archive creation failed: ${(error as Error).message}`);
    }
  }
  ui.info(`Saved debug archive: ${outputName}`);
}

export function registerDebug(program: Command): void {
  const debug = program
    .command('debug')
    .description('Records a debugging archive for operators')
    .option(
      '--capture <target>',
      `One or more types of information to capture (${captureTargets.join(', ')}); repeatable. Defaults to all`,
      collect,
    )
    .option(
      '--interval <duration>',
      `The interval in which to capture dynamic information such as telemetry and profiling (default ${formatDuration(debugIntervalDefaultMs)})`,
      parseDurationFlag,
    )
    .option(
      '--duration <duration>',
      `The total time to record information (default ${formatDuration(debugDurationDefaultMs)})`,
      parseDurationFlag,
    )
    .option(
      '--output <path>',
      'The path to the compressed archive that will be created (default lattice-debug-<time> in the current directory)',
    )
    .option(
      '--since <duration>',
      "not implemented: Consul's -since runs HashiCorp's hcdiag, which Lattice does not ship",
    )
    .option(
      '--archive [bool]',
      'Archive and compress the files; false leaves the directory of information instead',
      parseGoBool,
      true,
    );
  addHttpOptions(debug)
    // The hidden developer tools below (`debug raft-kv`) stay out of the operator's help.
    .configureHelp({ visibleCommands: () => [] })
    .usage('[options]')
    .argument('[extra...]')
    .action(async (extra: string[], flags: DebugFlags) => {
      if (extra.length > 0) throw new LatticeError('ERR_USAGE', '==> debug: Too many arguments provided, expected 0');
      if (flags.since !== undefined) throw new NotImplementedError("lattice debug -since (Consul's hcdiag run)");
      await runDebug({
        ...flags,
        interval: flags.interval ?? debugIntervalDefaultMs,
        duration: flags.duration ?? debugDurationDefaultMs,
      });
    });
}
