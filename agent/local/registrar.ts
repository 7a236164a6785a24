// The agent's registration rules on top of LocalState (Consul agent.AddService / RemoveService / AddCheck):
// a service comes with its checks and its sidecar; re-registering keeps a check's last status; deregistering
// removes the service's checks and its sidecar; API registrations are persisted, config ones re-read on reload;
// maintenance mode is a critical check with a reason.

import { LatticeError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
// The two files it needs, not server/state/index.js: that is the whole state store, which a client agent never runs.
import { InvalidWriteError } from '../../server/state/errors.js';
import { normalizeService } from '../../server/state/normalize.js';
import type { HealthStatus } from '../../server/state/types.js';
import type { CheckDefinition, ServiceDefinition } from '../config/types.js';
import { checkOutputMaxSizeBytesDefault, checkTimeoutMsDefault } from '../config/validate-services.js';
import type { LocalPersistence } from './persist.js';
import { checkRow, freeSidecarPort, serviceRow } from './rows.js';
import type { LocalState } from './state.js';
import { type LocalCheckRow, type LocalSource, nodeMaintenanceCheckId, serviceMaintenanceCheckId } from './types.js';

export interface RegistrarConfig {
  readonly nodeName: string;
  readonly sidecarMinPort: number;
  readonly sidecarMaxPort: number;
}

export interface RegisterOptions {
  readonly token: string;
  readonly source: LocalSource;
  /** `?replace-existing-checks`: checks of the service missing from this registration are removed. */
  readonly replaceExistingChecks?: boolean;
  /** What decoding accepted with a warning (Consul logs these when it adds the check). */
  readonly warnings?: readonly string[];
}

export class UnknownServiceError extends LatticeError {
  override readonly name = 'UnknownServiceError';
  constructor(id: string) {
    super('ERR_NOT_FOUND', `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
  }
}

/** Consul answers a check for a service the agent does not have with 404. */
export class UnknownServiceForCheckError extends LatticeError {
  override readonly name = 'UnknownServiceForCheckError';
  constructor(id: string) {
    super('ERR_NOT_FOUND', `ServiceID "${id}" does not exist`);
  }
}

export class UnknownCheckError extends LatticeError {
  override readonly name = 'UnknownCheckError';
  constructor(id: string) {
    super('ERR_NOT_FOUND', `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
  }
}

/** A check built in code (sidecar defaults, maintenance): every field of a config-file check, defaults filled. */
export function makeCheckDefinition(fields: Partial<CheckDefinition> & Pick<CheckDefinition, 'id' | 'name' | 'kind'>) {
  const base: CheckDefinition = {
    id: fields.id,
    name: fields.name,
    kind: fields.kind,
    notes: '',
    serviceId: null,
    status: 'critical',
    http: null,
    method: '',
    header: {},
    body: '',
    disableRedirects: false,
    tlsServerName: '',
    tlsSkipVerify: false,
    tcp: null,
    tcpUseTls: false,
    udp: null,
    args: [],
    dockerContainerId: null,
    shell: '',
    grpc: null,
    grpcUseTls: false,
    h2ping: null,
    h2pingUseTls: false,
    aliasService: null,
    aliasNode: null,
    osService: null,
    intervalMs: 0,
    timeoutMs: checkTimeoutMsDefault,
    ttlMs: 0,
    deregisterCriticalServiceAfterMs: 0,
    successBeforePassing: 0,
    failuresBeforeWarning: 0,
    failuresBeforeCritical: 0,
    outputMaxSizeBytes: checkOutputMaxSizeBytesDefault,
    sourceName: 'agent',
  };
  return Object.freeze({ ...base, ...fields });
}

/**
 * One agent runs the services of one host: a few hundred at the very most. The caps keep a runaway client from
 * growing the agent's memory, its data dir and the catalog without bound.
 */
export const localServicesMax = 5_000;
export const localChecksMax = 20_000;

/** A registration past the agent's capacity. */
export class LocalCapacityError extends LatticeError {
  override readonly name = 'LocalCapacityError';
  constructor(what: 'services' | 'checks', limit: number) {
    super('ERR_BAD_REQUEST', `Too many ${what} registered with this agent (limit ${limit})`);
  }
}

/** Consul's sidecar checks interval (agent/sidecar_service.go). */
const sidecarCheckIntervalMs = 10_000;

export class Registrar {
  constructor(
    private readonly state: LocalState,
    private readonly persistence: LocalPersistence | null,
    private readonly config: RegistrarConfig,
    private readonly log: Logger,
  ) {}

  /** Registers a service, its checks and its sidecar (with a port from the sidecar range when it has none). */
  async registerService(definition: ServiceDefinition, options: RegisterOptions): Promise<void> {
    const sidecar = definition.sidecarService ? this.expandSidecar(definition, definition.sidecarService) : null;
    await this.registerOne(definition, options);
    if (sidecar) await this.registerOne(sidecar, { ...options, replaceExistingChecks: true });
    this.logAcceptedWarnings(options);
  }

  private logAcceptedWarnings(options: RegisterOptions): void {
    for (const warning of options.warnings ?? []) this.log.warn(warning);
  }

  private expandSidecar(parent: ServiceDefinition, sidecar: ServiceDefinition): ServiceDefinition {
    let port = sidecar.port;
    if (port === 0) {
      const existing = this.state.service(sidecar.id);
      const used = new Set(this.state.services().map((entry) => entry.row.Port));
      port = existing?.row.Port || freeSidecarPort(used, this.config.sidecarMinPort, this.config.sidecarMaxPort) || 0;
      if (port === 0)
        throw new ValidationError(
          `No free sidecar port in ${this.config.sidecarMinPort}-${this.config.sidecarMaxPort} for "${sidecar.id}"`,
        );
    }
    let checks = sidecar.checks;
    if (checks.length === 0) {
      const address = sidecar.address || '127.0.0.1';
      checks = [
        makeCheckDefinition({
          id: `service:${sidecar.id}:1`,
          name: 'Connect Sidecar Listening',
          kind: 'tcp',
          tcp: `${address}:${port}`,
          intervalMs: sidecarCheckIntervalMs,
          serviceId: sidecar.id,
        }),
        makeCheckDefinition({
          id: `service:${sidecar.id}:2`,
          name: `Connect Sidecar Aliasing ${parent.id}`,
          kind: 'alias',
          aliasService: parent.id,
          serviceId: sidecar.id,
        }),
      ];
    }
    return Object.freeze({ ...sidecar, port, checks });
  }

  private async registerOne(definition: ServiceDefinition, options: RegisterOptions): Promise<void> {
    if (!this.state.service(definition.id) && this.state.services().length >= localServicesMax)
      throw new LocalCapacityError('services', localServicesMax);
    const row = serviceRow(definition);
    // The catalog's own rules, checked now rather than failing every anti-entropy round later (Consul does too).
    try {
      normalizeService(row, this.config.nodeName);
    } catch (error) {
      if (error instanceof InvalidWriteError) throw new ValidationError(`Validation failed: ${error.message}`);
      throw error;
    }
    this.state.addService(row, options.token || definition.token, options.source);
    const wanted = new Set(definition.checks.map((check) => check.id));
    if (options.replaceExistingChecks) {
      for (const check of this.state.serviceChecks(definition.id)) {
        if (!wanted.has(check.row.CheckID) && !check.row.CheckID.startsWith('_service_maintenance:'))
          await this.deregisterCheck(check.row.CheckID);
      }
    }
    if (options.source === 'api') await this.persistence?.saveService({ Token: options.token, Service: row });
    for (const check of definition.checks)
      await this.registerCheck(
        { ...check, serviceId: definition.id },
        { token: options.token, source: options.source },
      );
  }

  /** Removes a service, its checks and the sidecar it brought. False when unknown. */
  async deregisterService(id: string): Promise<boolean> {
    const entry = this.state.service(id);
    if (!entry) return false;
    for (const check of this.state.serviceChecks(id)) await this.deregisterCheck(check.row.CheckID);
    this.state.removeService(id);
    await this.persistence?.removeService(id);
    const sidecar = this.state.service(`${id}-sidecar-proxy`);
    if (sidecar && sidecar.row.Proxy?.DestinationServiceID === id) await this.deregisterService(sidecar.row.ID);
    return true;
  }

  /** Registers one check; a check re-registered with the same ID keeps its current status and output. */
  async registerCheck(definition: CheckDefinition, options: RegisterOptions): Promise<void> {
    if (!this.state.check(definition.id) && this.state.checks().length >= localChecksMax)
      throw new LocalCapacityError('checks', localChecksMax);
    if (definition.serviceId !== null && definition.serviceId !== '' && !this.state.service(definition.serviceId))
      throw new UnknownServiceForCheckError(definition.serviceId);
    let row: LocalCheckRow = checkRow(definition, this.config.nodeName);
    const existing = this.state.check(definition.id);
    if (existing && existing.row.Type === row.Type)
      row = { ...row, Status: existing.row.Status, Output: existing.row.Output };
    this.state.addCheck(row, definition, options.token, options.source);
    if (options.source === 'api')
      await this.persistence?.saveCheck({ Token: options.token, Check: row, Definition: definition });
    this.logAcceptedWarnings(options);
  }

  async deregisterCheck(id: string): Promise<boolean> {
    const removed = this.state.removeCheck(id);
    await this.persistence?.removeCheck(id);
    return removed;
  }

  /** Config-file definitions, at start and on reload: registers them and drops config entries no longer listed. */
  async loadConfigDefinitions(
    services: readonly ServiceDefinition[],
    checks: readonly CheckDefinition[],
  ): Promise<void> {
    const serviceIds = new Set<string>();
    for (const service of services) {
      serviceIds.add(service.id);
      if (service.sidecarService) serviceIds.add(service.sidecarService.id);
    }
    const checkIds = new Set(checks.map((check) => check.id));
    for (const service of services) {
      for (const check of service.checks) checkIds.add(check.id);
      for (const check of this.state.serviceChecks(`${service.id}-sidecar-proxy`)) checkIds.add(check.row.CheckID);
    }
    for (const entry of this.state.checks())
      if (entry.source === 'config' && !checkIds.has(entry.row.CheckID) && !isMaintenance(entry.row.CheckID))
        await this.deregisterCheck(entry.row.CheckID);
    for (const entry of this.state.services())
      if (entry.source === 'config' && !serviceIds.has(entry.row.ID)) await this.deregisterService(entry.row.ID);
    for (const service of services)
      await this.registerService(service, { token: service.token, source: 'config', replaceExistingChecks: true });
    for (const check of checks) {
      try {
        await this.registerCheck(check, { token: '', source: 'config' });
      } catch (error) {
        this.log.warn({ err: error, check: check.id }, `check "${check.id}" not registered`);
      }
    }
  }

  /**
   * API registrations from data_dir, after the config ones; then every TTL check (config ones too) takes its last
   * saved result if that has not expired yet, as Consul's loadCheckState does.
   */
  async restorePersisted(nowWallMs: number): Promise<void> {
    if (!this.persistence) return;
    for (const entry of await this.persistence.loadServices()) {
      if (this.state.service(entry.Service.ID)?.source === 'config') continue; // a config file now owns this ID
      this.state.addService(entry.Service, entry.Token, 'api');
    }
    for (const entry of await this.persistence.loadChecks()) {
      if (this.state.check(entry.Check.CheckID)?.source === 'config') continue;
      const serviceId = entry.Check.ServiceID;
      if (serviceId !== '' && !this.state.service(serviceId)) {
        await this.persistence.removeCheck(entry.Check.CheckID);
        continue;
      }
      this.state.addCheck({ ...entry.Check, Node: this.config.nodeName }, entry.Definition, entry.Token, 'api');
    }
    for (const entry of this.state.checks()) {
      if (entry.definition?.kind !== 'ttl') continue;
      const saved = await this.persistence.loadCheckState(entry.row.CheckID);
      if (saved && saved.ExpiresWallMs > nowWallMs)
        this.state.updateCheck(entry.row.CheckID, saved.Status, saved.Output);
    }
    this.log.info(
      { services: this.state.services().length, checks: this.state.checks().length },
      'restored local services and checks',
    );
  }

  // --- maintenance --------------------------------------------------------------------------------------------------

  enableNodeMaintenance(reason: string, token: string): void {
    this.setMaintenance(nodeMaintenanceCheckId, 'Node Maintenance Mode', '', reason, token);
  }

  disableNodeMaintenance(): void {
    this.state.removeCheck(nodeMaintenanceCheckId);
  }

  enableServiceMaintenance(serviceId: string, reason: string, token: string): void {
    if (!this.state.service(serviceId)) throw new UnknownServiceError(serviceId);
    this.setMaintenance(serviceMaintenanceCheckId(serviceId), 'Service Maintenance Mode', serviceId, reason, token);
  }

  disableServiceMaintenance(serviceId: string): void {
    if (!this.state.service(serviceId)) throw new UnknownServiceError(serviceId);
    this.state.removeCheck(serviceMaintenanceCheckId(serviceId));
  }

  private setMaintenance(id: string, name: string, serviceId: string, reason: string, token: string): void {
    if (this.state.check(id)) return; // already on: Consul keeps the first reason
    const status: HealthStatus = 'critical';
    this.state.addCheck(
      {
        Node: this.config.nodeName,
        CheckID: id,
        Name: name,
        Status: status,
        // Consul's default notes when no reason is given.
        Notes:
          reason ||
          `Maintenance mode is enabled for this ${serviceId === '' ? 'node' : 'service'}, but no reason was provided. This is a default message.`,
        Output: '',
        ServiceID: serviceId,
        ServiceName: '',
        ServiceTags: [],
        Type: '',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
      null,
      token,
      'api',
    );
  }
}

function isMaintenance(id: string): boolean {
  return id === nodeMaintenanceCheckId || id.startsWith('_service_maintenance:');
}
