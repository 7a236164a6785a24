// log_file as Consul's logfile.go: a directory path gets consul.log, the active file is appended to across
// restarts, rotated by size and by age to <name>-<unix ns><ext>, archives pruned to log_rotate_max_files (0 keeps
// all, -1 none); and the config keys (log_file, log_rotate_*, their -log-* flags) reach the agent's config.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { logRotateDurationMsDefault } from '../config/build.js';
import { flagsToConfig } from '../config/flags.js';
import { formatProblem, ProblemList } from '../config/problems.js';
import { testEnvironment } from '../config/testing.js';
import { validateConfig } from '../config/validate.js';
import { LogFile, teeToLogFile } from './log-file.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lattice-log-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const settings = { rotateBytes: 0, rotateDurationMs: logRotateDurationMsDefault, rotateMaxFiles: 0 };
const archivesIn = (directory: string) =>
  readdirSync(directory)
    .filter((name) => name !== 'consul.log')
    .sort();

describe('LogFile', () => {
  it('writes consul.log in a directory path and appends to it when opened again', () => {
    const first = new LogFile({ ...settings, path: `${dir}/` });
    first.write('one\n');
    first.close();
    const second = new LogFile({ ...settings, path: `${dir}/` });
    second.write('two\n');
    second.close();
    assert.equal(readFileSync(join(dir, 'consul.log'), 'utf8'), 'one\ntwo\n');
  });

  it('rotates by size to <name>-<unix ns><ext> and keeps the active name', () => {
    let now = 1_700_000_000_000;
    const file = new LogFile({ ...settings, path: join(dir, 'agent.log'), rotateBytes: 8 }, () => now);
    file.write('12345678\n');
    now += 1;
    file.write('after\n');
    file.close();
    assert.deepEqual(readdirSync(dir).sort(), ['agent-1700000000001000000.log', 'agent.log']);
    assert.equal(readFileSync(join(dir, 'agent-1700000000001000000.log'), 'utf8'), '12345678\n');
    assert.equal(readFileSync(join(dir, 'agent.log'), 'utf8'), 'after\n');
  });

  it('rotates by age and keeps only log_rotate_max_files archives, oldest deleted first', () => {
    let now = 1_000;
    const file = new LogFile({ ...settings, path: `${dir}/`, rotateDurationMs: 100, rotateMaxFiles: 2 }, () => now);
    for (const line of ['a', 'b', 'c', 'd']) {
      file.write(`${line}\n`);
      now += 100;
    }
    file.write('e\n');
    file.close();
    assert.deepEqual(archivesIn(dir), ['consul-1300000000.log', 'consul-1400000000.log']);
    assert.equal(readFileSync(join(dir, 'consul-1400000000.log'), 'utf8'), 'd\n');
    assert.equal(readFileSync(join(dir, 'consul.log'), 'utf8'), 'e\n');
  });

  it('deletes every archive with -1, and refuses a directory that does not exist', () => {
    let now = 0;
    const file = new LogFile({ ...settings, path: `${dir}/`, rotateBytes: 1, rotateMaxFiles: -1 }, () => now);
    file.write('x\n');
    now += 1;
    file.write('y\n');
    file.close();
    assert.deepEqual(archivesIn(dir), []);
    assert.throws(() => new LogFile({ ...settings, path: join(dir, 'missing', 'consul.log') }), /ENOENT/);
  });

  it('tees every line to the stream and the file', async () => {
    const file = new LogFile({ ...settings, path: `${dir}/` });
    const seen: string[] = [];
    const stream = teeToLogFile(
      {
        write: (text: string, callback: () => void) => {
          seen.push(text);
          callback();
          return true;
        },
      } as unknown as NodeJS.WritableStream,
      file,
    );
    await new Promise<void>((resolve) => stream.write('line\n', () => resolve()));
    file.close();
    assert.deepEqual(seen, ['line\n']);
    assert.equal(readFileSync(join(dir, 'consul.log'), 'utf8'), 'line\n');
  });
});

describe('log_file configuration', () => {
  it('builds log_file and log_rotate_* from files and from the -log-* flags, without unknown-key warnings', () => {
    const problems = new ProblemList();
    const flagValues = flagsToConfig(
      { logFile: '/var/log/lattice/', logRotateBytes: '1048576', logRotateMaxFiles: '3' },
      problems,
    );
    const result = validateConfig(
      [
        { sourceName: 'base.json', values: { data_dir: '/var/lib/lattice', log_rotate_duration: '1h' } },
        { sourceName: 'flags', values: flagValues },
      ],
      { devMode: false, environment: testEnvironment },
    );
    assert.deepEqual([...result.errors, ...result.warnings].map(formatProblem), []);
    assert.deepEqual(result.config?.logFile, {
      path: '/var/log/lattice/',
      rotateBytes: 1_048_576,
      rotateDurationMs: 3_600_000,
      rotateMaxFiles: 3,
    });
  });

  it('is off without log_file, and an explicit 0 duration means 24 h as in Consul', () => {
    const off = validateConfig([{ sourceName: 'a.json', values: { data_dir: '/d' } }], {
      devMode: false,
      environment: testEnvironment,
    });
    assert.equal(off.config?.logFile, null);
    const zero = validateConfig(
      [{ sourceName: 'a.json', values: { data_dir: '/d', log_file: '/l/x.log', log_rotate_duration: '0s' } }],
      { devMode: false, environment: testEnvironment },
    );
    assert.equal(zero.config?.logFile?.rotateDurationMs, logRotateDurationMsDefault);
  });
});
