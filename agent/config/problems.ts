// Config problems: every finding names the source (a file path, "command-line flags", "-hcl #1") and the key,
// so that an operator with twenty files in /etc/lattice.d sees at once where to look. Errors refuse to start;
// warnings (an unknown key, a value that works but looks wrong) are printed and the agent starts anyway.

import { LatticeError } from '../../lib/errors.js';

export type ProblemSeverity = 'error' | 'warning';

export interface ConfigProblem {
  readonly severity: ProblemSeverity;
  /** The file path as the user gave it, or a name for a non-file source. */
  readonly sourceName: string;
  /** Dotted key path with list positions (`services[0].check.interval`); empty for a whole-source problem. */
  readonly key: string;
  readonly message: string;
}

/** `FILE: KEY: message`, or `FILE: message` when no key applies. */
export function formatProblem(problem: ConfigProblem): string {
  return problem.key === ''
    ? `${problem.sourceName}: ${problem.message}`
    : `${problem.sourceName}: ${problem.key}: ${problem.message}`;
}

/** Collects problems in the order they are found; one instance per load. */
export class ProblemList {
  private readonly found: ConfigProblem[] = [];

  error(sourceName: string, key: string, message: string): void {
    this.found.push({ severity: 'error', sourceName, key, message });
  }

  warning(sourceName: string, key: string, message: string): void {
    this.found.push({ severity: 'warning', sourceName, key, message });
  }

  get errors(): readonly ConfigProblem[] {
    return this.found.filter((problem) => problem.severity === 'error');
  }

  get warnings(): readonly ConfigProblem[] {
    return this.found.filter((problem) => problem.severity === 'warning');
  }

  hasErrors(): boolean {
    return this.found.some((problem) => problem.severity === 'error');
  }
}

/** The configuration cannot be used; `problems` holds every error found (and the warnings, for context). */
export class ConfigError extends LatticeError {
  override readonly name = 'ConfigError';
  constructor(
    readonly errors: readonly ConfigProblem[],
    readonly warnings: readonly ConfigProblem[],
  ) {
    super('ERR_CONFIG', `invalid configuration:\n${errors.map(formatProblem).join('\n')}`);
  }
}
