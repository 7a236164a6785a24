// CA initialization on the leader (Consul leader_connect_ca.go initializeCA): once leadership is established (after
// a barrier, so the applied log is complete), a cluster without a CA gets one: a fresh cluster ID (a UUID; the
// trust domain is `<cluster-id>.consul`), the built-in provider's first root (EC P-256 by default), both stored
// through Raft. A failure is retried with a delay until it works or leadership ends. The key is never logged.
// Then it writes the `config_entries.bootstrap` entries that do not exist yet. While leading it also prunes, every pruneIntervalMs, roots rotated out more than 2 × LeafCertTTL ago (Consul's
// caRootPruneInterval), so the roots list does not grow with every rotation.

import { randomUUID } from 'node:crypto';
import { CA_CONFIG_DEFAULTS, type CaConfig, isRootPrunable } from '../../connect/index.js';
import type { Clock } from '../../lib/clock.js';
import { delay } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { storedCaConfig } from '../endpoints/connect-ca.js';
import { initialCaRequest } from '../endpoints/connect-ca-provider.js';
import { type Command, caRootsCommand, configEntryCommand } from '../fsm/commands.js';
import { activeCaRoot, caConfig } from '../state/connect-reads.js';
import { tableIndexKey } from '../state/indexes.js';
import type { StateStore } from '../state/store.js';
import { caRootsSchema } from '../state/tables/connect.js';

const retryDelayMs = 1_000;
/** Consul's caRootPruneInterval. */
export const pruneIntervalMsDefault = 3_600_000;

export interface CaInitDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: StateStore;
  apply(command: Command, signal: AbortSignal): Promise<{ readonly value: unknown }>;
  /** The agent's connect.ca_config, used only for the first root. */
  readonly config?: CaConfig;
  /** `connect.ca_config.private_key`: the first root's key (never logged). */
  readonly privateKeyPem?: string;
  /** `config_entries.bootstrap`: each written (CAS 0, so only when absent) once the CA is up. */
  readonly configEntries?: readonly Readonly<Record<string, unknown>>[];
  readonly pruneIntervalMs?: number;
}

export class CaInitializer {
  private controller: AbortController | null = null;

  constructor(private readonly deps: CaInitDeps) {}

  /** Call once leadership is established (after the barrier). Idempotent. */
  start(): void {
    if (this.controller !== null) return;
    const controller = new AbortController();
    this.controller = controller;
    // run() handles its own failures (logged and retried) until the signal aborts.
    void this.run(controller.signal);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    await this.initialize(signal);
    await this.bootstrapConfigEntries(signal);
    const intervalMs = this.deps.pruneIntervalMs ?? pruneIntervalMsDefault;
    while (!signal.aborted) {
      await delay(this.deps.clock, intervalMs, signal).catch(() => undefined);
      if (signal.aborted) return;
      await this.prune(signal).catch((error: unknown) => {
        if (!signal.aborted) this.deps.log.warn({ err: (error as Error).message }, 'pruning CA roots failed');
      });
    }
  }

  /** Writes each bootstrap entry that does not exist (Consul's config_entries.bootstrap on leadership). */
  private async bootstrapConfigEntries(signal: AbortSignal): Promise<void> {
    for (const entry of this.deps.configEntries ?? []) {
      if (signal.aborted) return;
      try {
        const { value } = await this.deps.apply(
          configEntryCommand({ Op: 'upsert', Entry: entry, CasIndex: 0 }),
          signal,
        );
        if (value === true)
          this.deps.log.info({ entry: `${entry['Kind']}/${entry['Name']}` }, 'bootstrapped a config entry');
      } catch (error) {
        if (signal.aborted) return;
        this.deps.log.warn(
          { entry: `${entry['Kind']}/${entry['Name']}`, err: (error as Error).message },
          'bootstrapping a config entry failed',
        );
      }
    }
  }

  /** Removes roots rotated out more than 2 × LeafCertTTL ago (never the active one). */
  async prune(signal: AbortSignal): Promise<number> {
    const { store, clock } = this.deps;
    const config = caConfig(store).value;
    if (config === null) return 0;
    const settings = storedCaConfig(config.Config);
    const roots = store.table(caRootsSchema).all();
    const nowMs = clock.wallMs();
    const kept = roots.filter((root) => !isRootPrunable(root, root.RotatedOutAtMs, settings, nowMs));
    if (kept.length === roots.length) return 0;
    const casIndex = store.indexes.get(tableIndexKey(caRootsSchema.name));
    await this.deps.apply(caRootsCommand({ Roots: kept, CasIndex: casIndex }), signal);
    this.deps.log.info({ pruned: roots.length - kept.length }, 'pruned CA roots rotated out');
    return roots.length - kept.length;
  }

  private async initialize(signal: AbortSignal): Promise<void> {
    const { store, log, clock } = this.deps;
    while (!signal.aborted) {
      if (caConfig(store).value !== null && activeCaRoot(store) !== null) return;
      try {
        const request = await initialCaRequest(
          randomUUID(),
          this.deps.config ?? CA_CONFIG_DEFAULTS,
          clock.wallMs(),
          this.deps.privateKeyPem,
        );
        const { value } = await this.deps.apply(caRootsCommand(request), signal);
        if (value === true) {
          const root = request.Roots[0];
          log.info(
            { trustDomain: `${request.Config?.ClusterID}.consul`, root: root?.ID },
            'initialized the Connect CA',
          );
          return;
        }
      } catch (error) {
        if (signal.aborted) return;
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'CA initialization failed; retrying');
      }
      await delay(clock, retryDelayMs, signal).catch(() => undefined);
    }
  }
}
