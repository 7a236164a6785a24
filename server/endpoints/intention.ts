// The Intention endpoint (Consul intention_endpoint.go) over service-intentions config entries: legacy writes are
// validated here with Consul's texts (and the L7 rule: Permissions only for HTTP-like destinations), given an ID
// and timestamps on the leader (the log must be deterministic), and applied as one `intention` command; reads
// (get by ID or pair, list, match, check) run on the store's intentions in precedence order.

import { randomUUID } from 'node:crypto';
import {
  checkIntentions,
  type Intention,
  type IntentionInit,
  IntentionValidationError,
  matchIntentions,
  normalizeIntention,
  rfc3339,
  SERVICE_INTENTIONS_KIND,
  validateIntention,
} from '../../connect/index.js';
import { intentionCommand } from '../fsm/commands.js';
import { BadRequestError } from '../rpc/errors.js';
import { httpLikeProtocols, serviceProtocol } from '../state/config-entries.js';
import type { IntentionMutation } from '../state/connect-ops.js';
import { configEntryGet, intentionList } from '../state/connect-reads.js';
import { InvalidWriteError } from '../state/errors.js';
import type { EndpointContext, HandlerTable } from './context.js';
import { runRead, stringArg, stringListArg } from './read.js';
import { refusalOf } from './write.js';

type IntentionHandlers = Pick<
  HandlerTable,
  'Intention.Apply' | 'Intention.Get' | 'Intention.List' | 'Intention.Match' | 'Intention.Check'
>;

/** The decision with no matching intention while ACLs are off (Consul's dev default). */
const defaultAllow = true;

const intentionFields = [
  'ID',
  'Description',
  'SourceNS',
  'SourceName',
  'DestinationNS',
  'DestinationName',
  'SourceType',
  'Action',
  'Permissions',
  'Meta',
  'CreatedAt',
  'UpdatedAt',
];

function validIntention(given: Readonly<Record<string, unknown>>): Intention {
  const init: Record<string, unknown> = {};
  for (const field of intentionFields)
    if (given[field] !== undefined && given[field] !== null) init[field] = given[field];
  for (const field of ['SourceName', 'DestinationName', 'SourceNS', 'DestinationNS', 'SourceType', 'Action', 'ID'])
    if (init[field] !== undefined && typeof init[field] !== 'string')
      throw refusalOf(new InvalidWriteError(`${field} must be a string`));
  try {
    const intention = normalizeIntention(init as unknown as IntentionInit);
    validateIntention(intention);
    return intention;
  } catch (error) {
    if (error instanceof IntentionValidationError)
      throw refusalOf(new InvalidWriteError(error.problems.join(', '), { cause: error }));
    throw error;
  }
}

const sameStringMap = (a: unknown, b: Readonly<Record<string, unknown>>): boolean => {
  const left = typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : {};
  const keys = Object.keys(b);
  return Object.keys(left).length === keys.length && keys.every((key) => left[key] === b[key]);
};

export function intentionEndpoints(context: EndpointContext): IntentionHandlers {
  /**
   * Consul's computeApplyChangesUpsert refusals for the `exact` write: an ID belongs to the legacy endpoints, and
   * Meta lives on the enclosing service-intentions entry, so it is refused unless it repeats that entry's Meta
   * exactly (a client sending back what it read), in which case it is dropped.
   */
  const upsertFields = (fields: Readonly<Record<string, unknown>>): Record<string, unknown> => {
    if (typeof fields['ID'] === 'string' && fields['ID'] !== '')
      throw refusalOf(new InvalidWriteError('ID must not be specified'));
    const { Meta: meta, ...rest } = fields;
    if (typeof meta !== 'object' || meta === null || Object.keys(meta).length === 0) return rest;
    const destination = typeof fields['DestinationName'] === 'string' ? fields['DestinationName'] : '';
    const previous = configEntryGet(context.store, SERVICE_INTENTIONS_KIND, destination).value;
    if (previous === null) throw refusalOf(new InvalidWriteError('Meta must not be specified'));
    if (!sameStringMap(previous['Meta'], meta as Record<string, unknown>))
      throw refusalOf(new InvalidWriteError('Meta must not be specified, or should be unchanged during an update.'));
    return rest;
  };

  const checkL7 = (intention: Intention): void => {
    if ((intention.Permissions ?? []).length === 0) return;
    const protocol = serviceProtocol(context.store, intention.DestinationName);
    if (!httpLikeProtocols.includes(protocol))
      throw refusalOf(
        new InvalidWriteError(
          `service "${intention.DestinationName}" has protocol "${protocol}", which does not support L7 intentions (Permissions need http, http2 or grpc)`,
        ),
      );
  };
  return {
    'Intention.Apply': async (args, call) => {
      const op = (args as { Op?: unknown }).Op;
      const now = rfc3339(new Date(context.clock.wallMs()));
      let mutation: IntentionMutation;
      if (op === 'create' || op === 'update' || op === 'upsert') {
        const given = (args as { Intention?: unknown }).Intention;
        if (typeof given !== 'object' || given === null) throw new BadRequestError('Missing Intention');
        const fields =
          op === 'upsert' ? upsertFields(given as Record<string, unknown>) : (given as Record<string, unknown>);
        if (op === 'create' && typeof fields['ID'] === 'string' && fields['ID'] !== '')
          throw refusalOf(new InvalidWriteError('ID must be empty when creating a new intention'));
        const id = op === 'create' ? randomUUID() : op === 'update' ? stringArg(fields, 'ID', { required: true }) : '';
        const intention = validIntention({ ...fields, ID: id, CreatedAt: now, UpdatedAt: now });
        checkL7(intention);
        mutation = { Op: op, Intention: intention };
      } else if (op === 'delete') {
        mutation = { Op: 'delete', ID: stringArg(args, 'ID', { required: true }) };
      } else if (op === 'delete-exact') {
        mutation = {
          Op: 'delete-exact',
          Source: stringArg(args, 'Source', { required: true }),
          Destination: stringArg(args, 'Destination', { required: true }),
        };
      } else throw new BadRequestError(`Invalid intention operation ${JSON.stringify(op)}`);
      await context.apply(intentionCommand(mutation), call.signal);
      return 'Intention' in mutation ? mutation.Intention.ID : mutation.Op === 'delete' ? mutation.ID : '';
    },
    'Intention.Get': (args, call) => {
      const id = stringArg(args, 'IntentionID', { required: false });
      const source = stringArg(args, 'Source', { required: false });
      const destination = stringArg(args, 'Destination', { required: false });
      if (id === '' && (source === '' || destination === ''))
        throw new BadRequestError('Must specify an intention ID, or a source and destination');
      return runRead(
        context,
        call,
        () => {
          const result = intentionList(context.store);
          const found = result.value.filter((intention) =>
            id !== ''
              ? intention.ID === id
              : intention.SourceName === source && intention.DestinationName === destination,
          );
          return { ...result, value: found };
        },
        { filterable: false },
      );
    },
    'Intention.List': (_args, call) => runRead(context, call, () => intentionList(context.store)),
    'Intention.Match': (args, call) => {
      const by = stringArg(args, 'By', { required: true });
      if (by !== 'source' && by !== 'destination') throw new BadRequestError('by must be "source" or "destination"');
      const names = stringListArg(args, 'Names');
      if (names.length === 0) throw new BadRequestError("required query parameter 'name' not set");
      return runRead(
        context,
        call,
        () => {
          const result = intentionList(context.store);
          return { ...result, value: matchIntentions(result.value, by, names) };
        },
        { filterable: false },
      );
    },
    'Intention.Check': (args, call) => {
      const source = stringArg(args, 'Source', { required: true });
      const destination = stringArg(args, 'Destination', { required: true });
      return runRead(
        context,
        call,
        () => {
          const result = intentionList(context.store);
          return { ...result, value: checkIntentions(result.value, source, destination, { defaultAllow }) };
        },
        { filterable: false },
      );
    },
  };
}
