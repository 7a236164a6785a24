// `node --import <dist>/lib/testing/module-trace/register.js ...` records every module the process loads (ESM
// imports, and CommonJS packages reached from ESM) in the file named by LATTICE_MODULE_TRACE, one URL per line, as
// they load. Tests and scripts/measure-agent-rss.mjs use it to see what a running agent has pulled in, including
// what a dynamic import() loads later. Without the variable it does nothing.

import { register } from 'node:module';

const file = process.env['LATTICE_MODULE_TRACE'];
if (file !== undefined && file !== '') register('./hooks.js', import.meta.url, { data: { file } });
