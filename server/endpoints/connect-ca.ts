// The ConnectCA endpoint (Consul connect_ca_endpoint.go): roots and configuration reads block on their tables;
// ConfigurationSet validates the config with Consul's rules and, when the root key must change (key type or size,
// or a supplied PrivateKey), rotates through a root cross-signed by the old one; Sign issues a leaf from a CSR with
// the active root under the CSR limits (a refusal is ERR_RATE_LIMITED, Consul's "rate limit reached").

import {
  admitCsr,
  CA_CONFIG_DEFAULTS,
  type CaConfig,
  CaConfigError,
  CSR_PEM_BYTES_MAX,
  CSR_RATE_LIMITED_MESSAGE,
  type CsrLimiterState,
  CsrRejectedError,
  initialCsrLimiterState,
  releaseCsr,
  signLeafSync,
  validateCaConfig,
} from '../../connect/index.js';
import { LatticeError } from '../../lib/errors.js';
import { caRootsCommand } from '../fsm/commands.js';
import { BadRequestError, WriteRefusedError } from '../rpc/errors.js';
import { activeCaRoot, caConfig, caRoots } from '../state/connect-reads.js';
import { InvalidWriteError } from '../state/errors.js';
import { tableIndexKey } from '../state/indexes.js';
import { caRootsSchema } from '../state/tables/connect.js';
import { caConfigMap, rotationRequest, SignerCache } from './connect-ca-provider.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead, stringArg } from './read.js';
import { refusalOf } from './write.js';

type CaHandlers = Pick<
  HandlerTable,
  'ConnectCA.Roots' | 'ConnectCA.ConfigurationGet' | 'ConnectCA.ConfigurationSet' | 'ConnectCA.Sign'
>;

/** A leaf request refused by the CSR limits; agents back off and retry. */
export class CsrRateLimitedError extends LatticeError {
  override readonly name = 'CsrRateLimitedError';
  constructor(readonly retryAfterMs: number) {
    super('ERR_RATE_LIMITED', CSR_RATE_LIMITED_MESSAGE);
  }
}

/** Consul's text before the CA exists (the leader initializes it right after it is elected). */
const caNotReadyMessage = 'CA has not finished initializing';

export function storedCaConfig(map: Readonly<Record<string, unknown>> | undefined): CaConfig {
  try {
    return validateCaConfig(map ?? {});
  } catch {
    return CA_CONFIG_DEFAULTS;
  }
}

export function connectCaEndpoints(context: EndpointContext, datacenter: string): CaHandlers {
  const signers = new SignerCache();
  let limiter: CsrLimiterState | null = null;
  return {
    'ConnectCA.Roots': (_args, call) => runRead(context, call, () => caRoots(context.store), { filterable: false }),
    'ConnectCA.ConfigurationGet': (_args, call) =>
      runRead(
        context,
        call,
        () => {
          const result = caConfig(context.store);
          const row = result.value;
          return {
            ...result,
            value:
              row === null
                ? null
                : {
                    Provider: row.Provider,
                    Config: row.Config,
                    State: null,
                    ForceWithoutCrossSigning: row.ForceWithoutCrossSigning,
                    CreateIndex: row.CreateIndex,
                    ModifyIndex: row.ModifyIndex,
                  },
          };
        },
        { filterable: false },
      ),
    'ConnectCA.ConfigurationSet': async (args, call) => {
      const current = caConfig(context.store).value;
      if (current === null) throw new WriteRefusedError('ERR_CA_NOT_READY', caNotReadyMessage);
      const provider = (args as { Provider?: unknown }).Provider;
      if (provider !== undefined && provider !== '' && provider !== 'consul')
        throw refusalOf(new InvalidWriteError(`CA provider "${String(provider)}" is not supported yet; only "consul"`));
      const given = (args as { Config?: unknown }).Config;
      if (typeof given !== 'object' || given === null || Array.isArray(given))
        throw new BadRequestError('Config must be a map');
      const map = given as Record<string, unknown>;
      let config: CaConfig;
      try {
        config = validateCaConfig(map);
      } catch (error) {
        if (error instanceof CaConfigError) throw new BadRequestError(error.message, { cause: error });
        throw error;
      }
      const privateKey = typeof map['PrivateKey'] === 'string' && map['PrivateKey'] !== '' ? map['PrivateKey'] : '';
      if (map['RootCert'] !== undefined && map['RootCert'] !== '')
        throw new BadRequestError('RootCert in the CA configuration is not supported yet; supply PrivateKey only');
      const active = activeCaRoot(context.store);
      const storedMap = caConfigMap(config, map);
      const force = (args as { ForceWithoutCrossSigning?: unknown }).ForceWithoutCrossSigning === true;
      const keyChanges =
        privateKey !== '' ||
        active === null ||
        active.PrivateKeyType !== config.privateKeyType ||
        active.PrivateKeyBits !== config.privateKeyBits;
      const rootsIndex = context.store.indexes.get(tableIndexKey(caRootsSchema.name));
      const roots = context.store.table(caRootsSchema).all();
      const request = keyChanges
        ? await rotationRequest(
            { config: current, roots, rootsIndex },
            config,
            storedMap,
            context.clock.wallMs(),
            privateKey || undefined,
          ).catch((error: unknown) => {
            if (error instanceof LatticeError) throw new BadRequestError(error.message, { cause: error });
            throw error;
          })
        : {
            Config: { ...current, Config: storedMap, ForceWithoutCrossSigning: force },
            Roots: roots,
            CasIndex: rootsIndex,
          };
      const { value } = await context.apply(caRootsCommand(request), call.signal);
      if (value !== true) throw refusalOf(new InvalidWriteError('CA roots changed during the update; try again'));
      return true;
    },
    'ConnectCA.Sign': async (args) => {
      const csr = stringArg(args, 'CSR', { required: true });
      if (csr.length > CSR_PEM_BYTES_MAX) throw new BadRequestError('CSR is too large');
      const config = caConfig(context.store).value;
      const active = activeCaRoot(context.store);
      if (config === null || active === null) throw new WriteRefusedError('ERR_CA_NOT_READY', caNotReadyMessage);
      const caSettings = storedCaConfig(config.Config);
      const nowMs = context.clock.nowMs();
      limiter ??= initialCsrLimiterState(caSettings, nowMs);
      const admission = admitCsr(limiter, caSettings, nowMs);
      limiter = admission.state;
      if (!admission.admitted) throw refusalOf(new CsrRateLimitedError(admission.retryAfterMs));
      try {
        const signer = await signers.get(active, `${config.ClusterID}.consul`);
        const leaf = signLeafSync(signer, csr, {
          nowMs: context.clock.wallMs(),
          leafCertTtlMs: caSettings.leafCertTtlMs,
          datacenter,
        });
        const index = context.store.indexes.get(tableIndexKey(caRootsSchema.name));
        const service = leaf.spiffeId.kind === 'service' ? leaf.spiffeId.service : '';
        return {
          SerialNumber: leaf.serialNumber,
          CertPEM: leaf.certPem,
          Service: service,
          ServiceURI: leaf.uri,
          ValidAfter: leaf.validAfter,
          ValidBefore: leaf.validBefore,
          CreateIndex: index,
          ModifyIndex: index,
        };
      } catch (error) {
        if (error instanceof CsrRejectedError || (error instanceof LatticeError && error.code === 'ERR_CERT_MALFORMED'))
          throw new BadRequestError(error.message, { cause: error });
        throw error;
      } finally {
        limiter = releaseCsr(limiter);
      }
    },
  };
}
