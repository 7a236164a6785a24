// API-registered services and checks survive a restart: one JSON file per ID in data_dir/services/ and
// data_dir/checks/ (file name = SHA-256 of the ID, as Consul names them, so any ID is a safe file name), written to
// a temporary name, fsynced and renamed so a crash leaves the old file or the new one, never half of one.

import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import type { CheckDefinition } from '../config/types.js';
import type { LocalCheckRow, LocalServiceRow } from './types.js';

export interface PersistedService {
  readonly Token: string;
  readonly Service: LocalServiceRow;
}

export interface PersistedCheck {
  readonly Token: string;
  readonly Check: LocalCheckRow;
  readonly Definition: CheckDefinition | null;
}

const fileNameFor = (id: string): string => createHash('sha256').update(id).digest('hex');

/** A TTL check's last result (data_dir/checks/state/), so a restart inside the TTL keeps it. */
export interface PersistedCheckState {
  readonly CheckID: string;
  readonly Status: 'passing' | 'warning' | 'critical';
  readonly Output: string;
  readonly ExpiresWallMs: number;
}

export class LocalPersistence {
  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  private dir(kind: 'services' | 'checks' | 'checks/state'): string {
    return join(this.dataDir, kind);
  }

  saveCheckState(state: PersistedCheckState): Promise<void> {
    return this.write('checks/state', state.CheckID, state);
  }

  async loadCheckState(id: string): Promise<PersistedCheckState | null> {
    try {
      const state = JSON.parse(
        await readFile(join(this.dir('checks/state'), fileNameFor(id)), 'utf8'),
      ) as PersistedCheckState;
      return state.CheckID === id ? state : null;
    } catch {
      return null; // none saved, or unreadable: the check starts from its initial status, as on first registration
    }
  }

  saveService(entry: PersistedService): Promise<void> {
    return this.write('services', entry.Service.ID, entry);
  }

  removeService(id: string): Promise<void> {
    return rm(join(this.dir('services'), fileNameFor(id)), { force: true });
  }

  saveCheck(entry: PersistedCheck): Promise<void> {
    return this.write('checks', entry.Check.CheckID, entry);
  }

  async removeCheck(id: string): Promise<void> {
    await rm(join(this.dir('checks'), fileNameFor(id)), { force: true });
    await rm(join(this.dir('checks/state'), fileNameFor(id)), { force: true });
  }

  async loadServices(): Promise<PersistedService[]> {
    return (await this.readAll<PersistedService>('services')).filter(
      (entry) => typeof entry.Service?.ID === 'string' && typeof entry.Service.Service === 'string',
    );
  }

  async loadChecks(): Promise<PersistedCheck[]> {
    return (await this.readAll<PersistedCheck>('checks')).filter(
      (entry) => typeof entry.Check?.CheckID === 'string' && typeof entry.Check.Status === 'string',
    );
  }

  private async write(kind: 'services' | 'checks' | 'checks/state', id: string, value: unknown): Promise<void> {
    const dir = this.dir(kind);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, fileNameFor(id));
    const temporary = `${path}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(value));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  }

  private async readAll<T>(kind: 'services' | 'checks'): Promise<T[]> {
    const dir = this.dir(kind);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: T[] = [];
    for (const name of names.sort()) {
      if (name.endsWith('.tmp') || name === 'state') continue;
      try {
        entries.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as T);
      } catch (error) {
        // A damaged file loses one registration, not the agent: it is reported and skipped.
        this.log.warn({ err: error, file: join(dir, name) }, `skipping an unreadable persisted ${kind} file`);
      }
    }
    return entries;
  }
}
