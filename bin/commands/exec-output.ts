// How `lattice exec` prints what nodes report, as Consul's TargetedUI (command/exec/exec.go): every line of a
// node's output is prefixed `    <node>: `, every status line `==> <node>: `; trailing whitespace of the whole
// message is trimmed, and the UI ends it with one newline.

/** Consul's prefixLines: `arrow` for Info and Error, spaces for Output. */
export function targetedLines(node: string, message: string, arrow: boolean): string {
  const marker = arrow ? '==>' : '   ';
  const lines = message.split('\n').map((line) => `${marker} ${node}: ${line}\n`);
  return lines.join('').trimEnd();
}

/** A node's output chunk, ready for stdout. */
export const nodeOutputText = (node: string, output: string): string => `${targetedLines(node, output, false)}\n`;

/** A status line about a node (acknowledged, heartbeat, exit code), ready for stdout. */
export const nodeInfoText = (node: string, message: string): string => `${targetedLines(node, message, true)}\n`;

/** Consul's closing summary line. */
export const summaryText = (completed: number, acknowledged: number): string =>
  `${completed} / ${acknowledged} node(s) completed / acknowledged\n`;
