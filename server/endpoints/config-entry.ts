// The ConfigEntry endpoint (Consul config_endpoint.go): Apply and Delete validate first (Consul's texts; keys the
// kind does not have are refused as Consul's decoder refuses them; other known kinds are not implemented yet) and
// go through Raft as one `config-entry` command, answering whether the write took effect (a failed CAS is false);
// Get and List block on the entry or the kind.

import { LatticeError } from '../../lib/errors.js';
import { configEntryCommand } from '../fsm/commands.js';
import { BadRequestError } from '../rpc/errors.js';
import { normalizeConfigEntry } from '../state/config-entries.js';
import { unknownConfigEntryKeys, unknownConfigKeysMessage } from '../state/config-entry-keys.js';
import { configEntryGet, configEntryList } from '../state/connect-reads.js';
import { InvalidWriteError } from '../state/errors.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead, stringArg } from './read.js';
import { refusalOf } from './write.js';

type ConfigEntryHandlers = Pick<
  HandlerTable,
  'ConfigEntry.Apply' | 'ConfigEntry.Get' | 'ConfigEntry.List' | 'ConfigEntry.Delete'
>;

function casOf(args: unknown): number | undefined {
  const value = (args as { CasIndex?: unknown }).CasIndex;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new BadRequestError('CasIndex must be a non-negative integer');
  return value;
}

export function configEntryEndpoints(context: EndpointContext): ConfigEntryHandlers {
  return {
    'ConfigEntry.Apply': async (args, call) => {
      const casIndex = casOf(args);
      let entry: ReturnType<typeof normalizeConfigEntry>;
      try {
        const input = (args as { Entry?: unknown }).Entry;
        const unknownKeys = unknownConfigEntryKeys(input);
        if (unknownKeys.length > 0) throw new InvalidWriteError(unknownConfigKeysMessage(unknownKeys));
        entry = normalizeConfigEntry(input);
      } catch (error) {
        if (error instanceof LatticeError) throw refusalOf(error);
        throw error;
      }
      const { value } = await context.apply(
        configEntryCommand({ Op: 'upsert', Entry: entry, ...(casIndex === undefined ? {} : { CasIndex: casIndex }) }),
        call.signal,
      );
      return value === true;
    },
    'ConfigEntry.Delete': async (args, call) => {
      const casIndex = casOf(args);
      const kind = stringArg(args, 'Kind', { required: true });
      const name = stringArg(args, 'Name', { required: true });
      const { value } = await context.apply(
        configEntryCommand({
          Op: 'delete',
          Kind: kind,
          Name: name,
          ...(casIndex === undefined ? {} : { CasIndex: casIndex }),
        }),
        call.signal,
      );
      return value === true;
    },
    'ConfigEntry.Get': (args, call) => {
      const kind = stringArg(args, 'Kind', { required: true });
      const name = stringArg(args, 'Name', { required: true });
      return runRead(context, call, () => configEntryGet(context.store, kind, name), { filterable: false });
    },
    'ConfigEntry.List': (args, call) => {
      const kind = stringArg(args, 'Kind', { required: false });
      return runRead(context, call, () => configEntryList(context.store, kind));
    },
  };
}
