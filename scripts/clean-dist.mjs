#!/usr/bin/env node
// Removes dist/ before a full build so that compiled tests of deleted sources cannot linger and run.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
