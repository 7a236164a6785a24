#!/usr/bin/env node
// `npm run bench -- NAME [args...]` runs dist/bench/NAME.js (built from bench/NAME.ts). Each bench writes progress
// to stderr and one JSON object of figures as its last stdout line. With no NAME it lists the benches.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'dist', 'bench');
const available = existsSync(benchDir)
  ? readdirSync(benchDir)
      .filter((name) => name.endsWith('.js') && !name.endsWith('.test.js'))
      .map((name) => name.slice(0, -3))
  : [];
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(name ? `unknown bench "${name}"` : 'usage: npm run bench -- NAME [args...]');
  console.error(`available: ${available.length > 0 ? available.join(', ') : '(none built yet)'}`);
  process.exit(name ? 1 : 0);
}
const result = spawnSync(process.execPath, [join(benchDir, `${name}.js`), ...args], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
