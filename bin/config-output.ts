// Prints config problems for `lattice agent` and `lattice validate` the same way: warnings first, then errors,
// one `FILE: KEY: message` per line, on standard error.

import { type ConfigProblem, formatProblem } from '../agent/config/problems.js';

export function printConfigProblems(errors: readonly ConfigProblem[], warnings: readonly ConfigProblem[]): void {
  for (const warning of warnings) process.stderr.write(`Warning: ${formatProblem(warning)}\n`);
  if (errors.length === 0) return;
  const noun = errors.length === 1 ? 'error' : 'errors';
  process.stderr.write(`Config validation failed (${errors.length} ${noun}):\n`);
  for (const error of errors) process.stderr.write(`  ${formatProblem(error)}\n`);
}
