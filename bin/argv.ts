// Consul's CLI uses Go's flag package, where `-dev` and `--dev` mean the same. Commander reads `-dev` as the
// short flags -d -e -v, so single-dash long flags are rewritten to double-dash before parsing. A lone `-x`
// (one letter) stays a short flag, but `-n=2` is Go's one-letter long flag with a value and becomes `--n=2`;
// anything after `--` is passed through untouched (child commands' argv). `lock` and `watch` are left whole: their
// flags stop at the first operand, as in Go, and bin/go-flag-command.ts rewrites them knowing their options.

/** Commands whose words end in a child command: they rewrite their own flags, up to the first operand only. */
const goFlagCommands: ReadonlySet<string> = new Set(['lock', 'watch']);

export function normalizeArgv(args: readonly string[]): string[] {
  if (goFlagCommands.has(args[0] ?? '')) return [...args];
  const out: string[] = [];
  let passThrough = false;
  for (const arg of args) {
    if (passThrough) {
      out.push(arg);
      continue;
    }
    if (arg === '--') {
      passThrough = true;
      out.push(arg);
      continue;
    }
    out.push(/^-(?:[a-zA-Z][\w.-]+(=.*)?|[a-zA-Z]=.*)$/s.test(arg) ? `-${arg}` : arg);
  }
  return out;
}
