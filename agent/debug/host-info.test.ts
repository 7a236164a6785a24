// Proves the parsers behind /v1/agent/host: /proc/meminfo lines become gopsutil's byte counts under its names, and
// /etc/os-release values lose their quotes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeminfo, parseOsRelease } from './host-info.js';

describe('host info parsers', () => {
  it('reads /proc/meminfo in bytes under gopsutil names', () => {
    const memory = parseMeminfo(
      'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    300 kB\nHugePages_Total:  0\n',
    );
    assert.deepEqual(memory, { total: 1_024_000, free: 204_800, available: 307_200 });
  });

  it('reads /etc/os-release without quotes', () => {
    const release = parseOsRelease('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n# c\n');
    assert.deepEqual(release, { ID: 'debian', VERSION_ID: '12', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' });
  });
});
