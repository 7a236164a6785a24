// `lattice exec` prints node output and status lines as Consul's TargetedUI: output lines indented under the node
// name, status lines behind `==>`, trailing whitespace of the message trimmed (so a final newline leaves one bare
// `    node:` line, as Consul prints it), and the summary line in Consul's words.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeInfoText, nodeOutputText, summaryText, targetedLines } from './exec-output.js';

describe('exec output', () => {
  it('prefixes every output line with the node name, as Consul does', () => {
    assert.equal(nodeOutputText('web-1', 'hi\nthere\n'), '    web-1: hi\n    web-1: there\n    web-1:\n');
    assert.equal(nodeOutputText('web-1', 'partial'), '    web-1: partial\n');
  });

  it('puts status lines behind an arrow', () => {
    assert.equal(nodeInfoText('web-1', 'finished with exit code 3'), '==> web-1: finished with exit code 3\n');
    assert.equal(nodeInfoText('db', 'acknowledged'), '==> db: acknowledged\n');
  });

  it('trims trailing whitespace of the whole message only', () => {
    assert.equal(targetedLines('n', '  indented  \n\n', false), '    n:   indented  \n    n: \n    n:');
  });

  it("prints Consul's summary", () => {
    assert.equal(summaryText(1, 2), '1 / 2 node(s) completed / acknowledged\n');
  });
});
