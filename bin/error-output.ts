// The line `lattice` prints on stderr when a command fails. Consul's CLI prints each command's own text exactly as
// the command worded it (cli.Ui.Error adds nothing): "Config entry not updated: kind/name", "Error! No key exists
// at: x", "command requires exactly 1 or 2 arguments". Lattice's commands throw LatticeErrors carrying that text,
// so a LatticeError is printed as it is. An error no command worded (a raw Node error, a bug) gets "Error: " so it
// still reads as a failure, unless its text already starts with "Error" or "Failed".

import { LatticeError } from '../lib/errors.js';

export function cliErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof LatticeError || /^(Error|Failed)\b/.test(message) ? message : `Error: ${message}`;
}
