// Event filters are Go (RE2) regular expressions written for Consul; this compiles the common RE2 spellings
// JavaScript lacks so a filter that works on a Consul agent works here: leading inline flags `(?i)`, `(?s)`,
// `(?m)` become RegExp flags and named groups `(?P<name>` become `(?<name>`. Go's `regexp.MatchString` is an
// unanchored search, as RegExp.test is. Anything else JavaScript rejects is reported as an invalid filter.

const leadingFlags = /^\(\?([ims]+)\)/;

/** Compiles a Go regular expression; throws SyntaxError (from RegExp) when JavaScript cannot express it. */
export function compileGoRegexp(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const inline = leadingFlags.exec(source);
  if (inline) {
    flags = [...new Set(inline[1])].join('');
    source = source.slice(inline[0].length);
  }
  return new RegExp(source.replace(/\(\?P</g, '(?<'), flags);
}
