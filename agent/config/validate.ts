// validateConfig: raw config sources in, one frozen AgentConfig out (or every problem found). Pure apart from
// the injected environment (host name, private address, a node-ID generator), so tests run it on literals.

import { buildConfig } from './build.js';
import { defaultSource, defaultSourceName, devSource, devSourceName } from './defaults.js';
import { warnDnsNames } from './dns-name-warnings.js';
import type { ConfigFormat } from './formats.js';
import { type CheckedSource, mergeSources } from './merge.js';
import { type ConfigProblem, ProblemList } from './problems.js';
import { checkValue, isPlainObject } from './schema.js';
import { agentSpec } from './schema-agent.js';
import { refuseUnimplementedSecurity } from './security-refusals.js';
import type { AgentConfig } from './types.js';
import { validateRelations } from './validate-relations.js';

/** One config source before checking: a parsed file, the flags, an -hcl fragment. */
export interface ConfigInit {
  readonly sourceName: string;
  readonly values: unknown;
  /** The syntax it was written in, when it came from text; HCL changes how list positions are named. */
  readonly format?: ConfigFormat;
}

/** What the host provides; injected so tests are deterministic. */
export interface ConfigEnvironment {
  readonly hostname: string;
  /** The address to advertise when bind_addr is 0.0.0.0 (Consul picks the one private IPv4). */
  readonly privateIpv4: string | null;
  readonly newNodeId: () => string;
}

export interface ValidateOptions {
  readonly devMode: boolean;
  readonly environment: ConfigEnvironment;
  /** Problems found before validation (unreadable files, syntax errors), reported together with ours. */
  readonly problems?: ProblemList;
}

export interface ConfigResult {
  /** Null when there is at least one error. */
  readonly config: AgentConfig | null;
  readonly errors: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
}

export function validateConfig(inits: readonly ConfigInit[], options: ValidateOptions): ConfigResult {
  const problems = options.problems ?? new ProblemList();
  // A file that could not be read or parsed may hold the missing keys: do not also report them as missing.
  let someSourceUnreadable = problems.hasErrors();
  const all: ConfigInit[] = [
    { sourceName: defaultSourceName, values: defaultSource },
    ...(options.devMode ? [{ sourceName: devSourceName, values: devSource }] : []),
    ...inits,
  ];
  const checked: CheckedSource[] = [];
  for (const init of all) {
    if (!isPlainObject(init.values)) {
      problems.error(init.sourceName, '', 'expected an object of config keys at the top level');
      someSourceUnreadable = true;
      continue;
    }
    const context = { sourceName: init.sourceName, problems, blocksAsLists: init.format === 'hcl' };
    const values = checkValue(agentSpec, init.values, '', context);
    if (isPlainObject(values)) checked.push({ sourceName: init.sourceName, values });
  }
  const merged = mergeSources(checked);
  const config = buildConfig(merged, options, problems);
  validateRelations(config, merged, problems, { someSourceUnreadable });
  refuseUnimplementedSecurity(merged, problems);
  warnDnsNames(config, merged, problems);
  return { config: problems.hasErrors() ? null : config, errors: problems.errors, warnings: problems.warnings };
}
