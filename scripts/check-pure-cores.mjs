#!/usr/bin/env node
// Lint rule for deterministic cores (STYLE §3.1): files in the pure-core folders must not read the wall clock,
// arm timers, draw from Math.random, await, or touch sockets and files. Biome has no per-folder rule for
// member expressions such as Date.now, so this scan does it. A core folder holds `// pure-core` in a file
// named PURE_CORE, or is listed below.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const coreFolders = ['raft/core', 'gossip/core', 'connect/intentions', 'server/state'];
const banned = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\s*\(/, 'timers'],
  [/\bawait\b/, 'await'],
  [/\basync\s+(function|\(|[a-zA-Z_$][\w$]*\s*\()/, 'async functions'],
  [/from\s+['"]node:(fs|net|dgram|http|https|tls|child_process)(\/promises)?['"]/, 'I/O modules'],
];

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const problems = [];
for (const folder of coreFolders) {
  for (const path of files(join(root, folder))) {
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, position) => {
      const code = line.replace(/\/\/.*$/, '');
      for (const [pattern, what] of banned) {
        if (pattern.test(code)) problems.push(`${relative(root, path)}:${position + 1}: ${what} in a pure core`);
      }
    });
  }
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
