import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatticeError } from '../lib/errors.js';
import { cliErrorText } from './error-output.js';

describe('cliErrorText', () => {
  it("prints a command's Consul text as it is, without an added prefix", () => {
    for (const text of [
      'Config entry not updated: service-defaults/web',
      'Intention not found with ID "x"',
      'Error! No key exists at: x',
      'Error: Must specify two arguments: source and destination',
      'Must provide exactly one positional argument to specify the config entry to write',
    ])
      assert.equal(cliErrorText(new LatticeError('ERR_USAGE', text)), text);
  });

  it('prints a Consul text that starts in lower case as it is too', () => {
    const text = 'command requires exactly 1 or 2 arguments';
    assert.equal(cliErrorText(new LatticeError('ERR_USAGE', text)), text);
  });

  it('prefixes errors no command worded, unless they already say Error or Failed', () => {
    assert.equal(
      cliErrorText(new TypeError('Cannot read properties of undefined')),
      'Error: Cannot read properties of undefined',
    );
    assert.equal(cliErrorText(new Error('Error joining address: x')), 'Error joining address: x');
    assert.equal(cliErrorText('plain'), 'Error: plain');
  });
});
