// Commands that end in a child command (`lattice lock PREFIX CHILD...`, `lattice watch ... HANDLER...`) parse their
// flags as Go's flag package does for Consul: flags come first and parsing stops at the first word that is not a
// flag, so `lattice lock svc/leader ./run.sh --verbose` or `lattice watch -type=key -key=k sh -c 'cat'` hand the
// child its own flags untouched (commander alone would read `-c` as an option of ours and refuse it). normalizeArgv
// leaves these commands' words alone; here the flags before the first operand get the single-dash rewrite
// (`-timeout=5s` → `--timeout=5s`, `-n 2` kept as the short flag), knowing from the command's own options which
// ones take the next word as their value (`-type key`).

import { Command } from 'commander';

/** Long single-dash flags (`-name`, `-name=v`) and Go's one-letter flag with a value (`-n=2`), as normalizeArgv. */
const singleDashLong = /^-(?:[a-zA-Z][\w.-]+(=.*)?|[a-zA-Z]=.*)$/s;

/**
 * Rewrites the flags before the first operand to commander's form and leaves everything from the first operand
 * (or `--`, or a lone `-`) on untouched. `takesValue(flag)` says whether a flag given without `=` consumes the next
 * word (`--type` → true), given the flag as commander will see it; `rewrite` may then change each flag (exec's
 * Go-style booleans).
 */
export function goFlagsBeforeOperands(
  argv: readonly string[],
  takesValue: (flag: string) => boolean,
  rewrite: (flag: string) => string = (flag) => flag,
): string[] {
  const out: string[] = [];
  for (let position = 0; position < argv.length; position++) {
    const arg = argv[position] as string;
    if (arg === '--' || arg === '-' || !arg.startsWith('-')) {
      out.push(...argv.slice(position));
      break;
    }
    const flag = singleDashLong.test(arg) ? `-${arg}` : arg;
    out.push(rewrite(flag));
    if (!flag.includes('=') && takesValue(flag) && position + 1 < argv.length) {
      position++;
      out.push(argv[position] as string);
    }
  }
  return out;
}

/** A commander command that parses its flags with goFlagsBeforeOperands and passes everything after through. */
export class GoFlagCommand extends Command {
  override createCommand(name?: string): Command {
    return new GoFlagCommand(name);
  }

  override parseOptions(argv: string[]): ReturnType<Command['parseOptions']> {
    const takesValue = (flag: string): boolean =>
      this.options.some((option) => (option.long === flag || option.short === flag) && option.required);
    return super.parseOptions(goFlagsBeforeOperands(argv, takesValue));
  }
}

/** Adds `name` to `program` as a GoFlagCommand that stops at its first operand; returns it for chaining. */
export function goFlagSubcommand(program: Command, name: string): Command {
  // Go's flag package stops at the first non-flag word, so the program must let the subcommand see its words.
  program.enablePositionalOptions();
  const command = new GoFlagCommand(name);
  program.addCommand(command);
  return command.passThroughOptions();
}
