// Go's flag package reads a boolean flag as `-verbose`, `-verbose=true` or `-shell=false`, never taking the next
// word as its value; commander's optional values would swallow it (`-verbose uptime` would read "uptime" as the
// value). So `lattice exec` declares its boolean flags value-less, with `--no-` twins, and this rewrites
// `--name=VALUE` of those flags into `--name` / `--no-name` before commander parses. Rewriting stops where Go's
// flag parsing stops: at the first word that is not a flag (or `-`, or `--`), skipping the values of flags that take
// one, so the command's own words (`ls -la`) are never touched.

import { LatticeError } from '../../lib/errors.js';
import { goFlagsBeforeOperands } from '../go-flag-command.js';

/** Go's strconv.ParseBool. */
export function parseGoBool(value: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return null;
}

export interface FlagShapes {
  /** Long names (`--shell`) of the boolean flags that have a `--no-` twin. */
  readonly booleans: readonly string[];
  /** Whether `--name` takes the next word as its value. */
  readonly takesValue: (longName: string) => boolean;
}

export function rewriteGoBooleanFlags(argv: readonly string[], shapes: FlagShapes): string[] {
  return goFlagsBeforeOperands(argv, shapes.takesValue, (flag) => goBooleanForm(flag, shapes.booleans));
}

/** `--name=VALUE` of a boolean flag as commander takes it: `--name` or `--no-name`; other flags unchanged. */
function goBooleanForm(flag: string, booleans: readonly string[]): string {
  const equals = flag.indexOf('=');
  if (equals === -1) return flag;
  const name = flag.slice(0, equals);
  if (!booleans.includes(name)) return flag;
  const value = parseGoBool(flag.slice(equals + 1));
  if (value === null)
    throw new LatticeError(
      'ERR_USAGE',
      `invalid boolean value "${flag.slice(equals + 1)}" for -${name.replace(/^-+/, '')}: parse error`,
    );
  return value ? name : `--no-${name.slice(2)}`;
}
