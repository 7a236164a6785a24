#!/usr/bin/env node
// Runs the compiled test files with node's test runner (Node 20 does not expand globs itself).
// Unit and simulation tests (dist/**/*.test.js outside dist/integration) run first, in parallel;
// integration tests (dist/integration/*.test.js) start real processes on loopback and run one file at a time.
// Usage: node scripts/run-tests.mjs [unit|integration|all] [path-substring...]

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const [kind = 'all', ...filters] = process.argv.slice(2);

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const all = findTests(dist).filter((path) => filters.every((filter) => path.includes(filter)));
const isIntegration = (path) => relative(dist, path).startsWith('integration');
const groups = [];
if (kind === 'all' || kind === 'unit') groups.push(['unit', all.filter((path) => !isIntegration(path)), 2]);
if (kind === 'all' || kind === 'integration') groups.push(['integration', all.filter(isIntegration), 1]);

let failed = false;
for (const [name, files, concurrency] of groups) {
  if (files.length === 0) {
    console.log(`# ${name}: no test files`);
    continue;
  }
  console.log(`# ${name}: ${files.length} files`);
  const result = spawnSync(
    process.execPath,
    ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...files],
    { stdio: 'inherit', cwd: root, env: { ...process.env, LATTICE_ROOT: root } },
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
