// Loads the agent configuration from disk and the command line: reads the files and directories, parses each in
// its format, and hands everything to validateConfig. The only part of agent/config that does I/O.

import { randomUUID } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { type ConfigFormat, configFormats, parseConfigText } from './formats.js';
import { ProblemList } from './problems.js';
import { readConfigPaths } from './sources.js';
import { type ConfigEnvironment, type ConfigInit, type ConfigResult, validateConfig } from './validate.js';

export interface LoadConfigOptions {
  /** `-config-file` and `-config-dir` values in command-line order; files and directories alike. */
  readonly configPaths: readonly string[];
  /** `-config-format`: forces the format of every file, whatever its extension. */
  readonly configFormat?: string | null;
  readonly devMode: boolean;
  /** The flags as a config object (see flags.ts); they override every file. */
  readonly flagValues?: Readonly<Record<string, unknown>>;
  readonly flagsSourceName?: string;
  /** `-hcl` fragments, applied after the flags. */
  readonly hclFragments?: readonly string[];
  readonly environment?: ConfigEnvironment;
  /** Problems already found (e.g. a malformed flag), reported with the rest. */
  readonly problems?: ProblemList;
}

export async function loadConfig(options: LoadConfigOptions): Promise<ConfigResult> {
  const problems = options.problems ?? new ProblemList();
  let format: ConfigFormat | null = null;
  if (options.configFormat) {
    if ((configFormats as readonly string[]).includes(options.configFormat))
      format = options.configFormat as ConfigFormat;
    else
      problems.error(
        'command-line flags',
        'config-format',
        `expected json, hcl or yaml, got ${JSON.stringify(options.configFormat)}`,
      );
  }
  const inits: ConfigInit[] = [];
  for (const source of await readConfigPaths(options.configPaths, format, problems)) {
    const parsed = parseConfigText(source.text, source.format);
    if (parsed.ok) inits.push({ sourceName: source.sourceName, values: parsed.value, format: source.format });
    else problems.error(source.sourceName, '', parsed.message);
  }
  if (options.flagValues)
    inits.push({ sourceName: options.flagsSourceName ?? 'command-line flags', values: options.flagValues });
  options.hclFragments?.forEach((fragment, position) => {
    const sourceName = `-hcl fragment ${position + 1}`;
    const parsed = parseConfigText(fragment, 'hcl');
    if (parsed.ok) inits.push({ sourceName, values: parsed.value, format: 'hcl' });
    else problems.error(sourceName, '', parsed.message);
  });
  return validateConfig(inits, {
    devMode: options.devMode,
    environment: options.environment ?? hostEnvironment(),
    problems,
  });
}

/** The real host: its name, its one private IPv4 (if exactly one), and random node IDs. */
export function hostEnvironment(): ConfigEnvironment {
  return { hostname: hostname(), privateIpv4: findPrivateIpv4(), newNodeId: randomUUID };
}

function findPrivateIpv4(): string | null {
  const candidates: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal && isPrivateIpv4(entry.address)) candidates.push(entry.address);
    }
  }
  // Consul refuses to guess between several private addresses; we take the first and let advertise_addr override.
  return candidates[0] ?? null;
}

function isPrivateIpv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  return (
    a === 10 ||
    (a === 172 && b !== undefined && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b !== undefined && b >= 64 && b <= 127)
  );
}
