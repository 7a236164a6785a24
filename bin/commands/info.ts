// `lattice info`: the agent's runtime statistics from /v1/agent/self `Stats`, printed as consul info prints them
// (one section per subsystem, `key = value` lines, sections and keys sorted).

import type { Command } from 'commander';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson } from './catalog-http.js';

export function formatInfo(stats: Readonly<Record<string, Readonly<Record<string, string>>>>): string {
  const lines: string[] = [];
  for (const section of Object.keys(stats).sort()) {
    lines.push(`${section}:`);
    const values = stats[section] ?? {};
    for (const key of Object.keys(values).sort()) lines.push(`\t${key} = ${values[key]}`);
  }
  return lines.join('\n');
}

export function registerInfo(program: Command): void {
  addHttpOptions(program.command('info').description("Prints the agent's runtime statistics for debugging")).action(
    async (flags: HttpOptionValues) => {
      const self = await agentJson<{ Stats?: Record<string, Record<string, string>> }>(
        resolveHttpOptions(flags, process.env),
        'reading agent info',
        { path: '/v1/agent/self' },
      );
      process.stdout.write(`${formatInfo(self.Stats ?? {})}\n`);
    },
  );
}
