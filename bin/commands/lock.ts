// `lattice lock [-n N] [-timeout D] PREFIX CHILD...`: holds a lock (or one of N semaphore slots) in the KV store
// while a child command runs, as consul lock does. A session (TTL renewed at half its period, lock delay, behavior
// release) owns `PREFIX/.lock` for a mutex; for -n > 1 each contender holds `PREFIX/<session>` and the holders
// are recorded in `PREFIX/.lock` ({"Limit":N,"Holders":{...}}) by check-and-set. The child runs through
// `$SHELL -c` (`/bin/sh` when unset; -shell=false runs the words as argv) with CONSUL_LOCK_HELD=true, this
// process's stdout and stderr, and stdin only with -pass-stdin; SIGINT/SIGTERM go to the child. Losing the lock
// (session invalidated, key taken, or the lock unreadable -monitor-retry times in a row, 1 s apart) stops the
// child: SIGTERM, then SIGKILL after a 5 s grace, as consul lock. On exit the slot is released, a lock or
// semaphore key nobody holds is removed, and the session destroyed. A killed `lattice lock` leaves its session to
// expire by TTL (the server waits 2×TTL), then the lock delay runs: -session-ttl and -lock-delay (Lattice
// additions; consul lock fixes 15s and 15s) shorten that.

import { type ChildProcess, spawn } from 'node:child_process';
import { type Command, Option } from 'commander';
import { parseDuration } from '../../lib/duration.js';
import { LatticeError } from '../../lib/errors.js';
import { GoFlagCommand } from '../go-flag-command.js';
import { addHttpOptions, type HttpClientOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { rewriteGoBooleanFlags } from './exec-argv.js';
import { agentCall, decodeValue, type KvPair, kvPath, parseJson, parseKvPairs } from './kv-http.js';

interface LockFlags extends HttpOptionValues {
  readonly n: string;
  readonly timeout: string;
  /** consul lock's deprecated spelling of -timeout; wins when given, as the later-registered Go flag does. */
  readonly try?: string;
  readonly monitorRetry: string;
  readonly name?: string;
  readonly sessionTtl: string;
  readonly lockDelay: string;
  readonly childExitCode?: boolean;
  readonly passStdin?: boolean;
  readonly shell: boolean;
  readonly verbose?: boolean;
}

/** consul lock's defaultMonitorRetryTime: the pause between failed looks at a held lock. */
const monitorRetryWaitMs = 1000;
/** consul lock's lockKillGracePeriod: how long a child has between SIGTERM and SIGKILL once the lock is lost. */
const childKillGraceMs = 5000;

/** How long one blocking read waits before the acquire loop looks again. */
const blockingWait = '10s';
/** After a refused acquire of a free key (its lock delay is running), wait this long before trying again. */
const lockDelayRetryMs = 250;

// Consul's api.LockFlagValue and api.SemaphoreFlagValue: the flags its locks write, so a Go client's lock on the
// same prefix and Lattice's recognise each other, and a key used for something else is refused, not taken over.
const lockFlagValue = '3304740253564472344';
const semaphoreFlagValue = '16210313421097356768';

function hasFlags(pair: KvPair, flags: string): boolean {
  return String(pair.Flags) === flags;
}

interface SemaphoreDocument {
  Limit: number;
  Holders: Record<string, boolean>;
}

class LockLostError extends LatticeError {
  constructor(message: string) {
    super('ERR_LOCK_LOST', message);
  }
}

function waitMs(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, delayMs);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

class LockHolder {
  private renewTimer: NodeJS.Timeout | null = null;
  readonly lost = new AbortController();

  constructor(
    private readonly target: HttpClientOptions,
    readonly prefix: string,
    readonly limit: number,
    readonly session: string,
    private readonly log: (line: string) => void,
  ) {}

  get lockKey(): string {
    return `${this.prefix}/.lock`;
  }

  get contenderKey(): string {
    return `${this.prefix}/${this.session}`;
  }

  static async create(
    target: HttpClientOptions,
    prefix: string,
    limit: number,
    flags: LockFlags,
    log: (line: string) => void,
  ) {
    const ttlMs = parseDuration(flags.sessionTtl);
    const body = {
      Name: flags.name ?? `Lattice lock for ${prefix}`,
      TTL: flags.sessionTtl,
      LockDelay: flags.lockDelay,
      Behavior: 'release',
    };
    const answer = await agentCall(target, 'Lock acquisition failed: creating the session', {
      method: 'PUT',
      path: '/v1/session/create',
      body: JSON.stringify(body),
    });
    const holder = new LockHolder(target, prefix, limit, parseJson<{ ID: string }>(answer, 'session create').ID, log);
    holder.renewTimer = setInterval(() => void holder.renew(), Math.max(1000, ttlMs / 2));
    holder.renewTimer.unref();
    return holder;
  }

  private async renew(): Promise<void> {
    try {
      const answer = await agentCall(this.target, 'renewing the session', {
        method: 'PUT',
        path: `/v1/session/renew/${this.session}`,
        accept: [404],
      });
      if (answer.status === 404) this.lost.abort(new LockLostError('the session was invalidated'));
    } catch (error) {
      this.log(`session renewal failed: ${(error as Error).message}`);
    }
  }

  private async acquireKey(key: string, body: string, flags: string): Promise<boolean> {
    const answer = await agentCall(this.target, 'Lock acquisition failed', {
      method: 'PUT',
      path: kvPath(key),
      query: [
        ['acquire', this.session],
        ['flags', flags],
      ],
      body,
    });
    return answer.body.trim() === 'true';
  }

  private async read(key: string, index: number, signal: AbortSignal, recurse = false) {
    const query: [string, string][] = [
      ['index', String(index)],
      ['wait', blockingWait],
    ];
    if (recurse) query.push(['recurse', '']);
    const answer = await agentCall(this.target, 'Lock acquisition failed: reading the lock', {
      path: kvPath(key),
      query,
      accept: [404],
      signal,
    });
    const pairs = answer.status === 404 ? [] : parseKvPairs(answer, 'reading the lock');
    return { index: answer.index, pairs };
  }

  /** Waits until this session holds the lock or a slot; false when `signal` ends first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    if (this.limit === 1) return this.acquireMutex(signal);
    if (!(await this.acquireKey(this.contenderKey, '', semaphoreFlagValue)))
      throw new LatticeError('ERR_LOCK', 'Lock acquisition failed: contender key refused');
    return this.acquireSlot(signal);
  }

  /** As Consul's Lock(): read first, refuse a key not written by a lock, wait while another session holds it. */
  private async acquireMutex(signal: AbortSignal): Promise<boolean> {
    let index = 0;
    while (!signal.aborted) {
      const { index: next, pairs } = await this.read(this.lockKey, index, signal);
      if (signal.aborted) return false;
      const pair = pairs[0];
      if (pair !== undefined && !hasFlags(pair, lockFlagValue))
        throw new LatticeError('ERR_LOCK', 'Lock acquisition failed: Existing key does not match lock use');
      if (pair?.Session && pair.Session !== this.session) {
        index = next;
        continue;
      }
      if (await this.acquireKey(this.lockKey, '', lockFlagValue)) return true;
      // Free but refused: the previous holder's lock delay is still running; read again without blocking.
      await waitMs(lockDelayRetryMs, signal);
      index = 0;
    }
    return false;
  }

  private document(pair: KvPair | undefined): SemaphoreDocument {
    if (pair !== undefined && !hasFlags(pair, semaphoreFlagValue))
      throw new LatticeError('ERR_LOCK', 'Semaphore acquisition failed: Existing key does not match semaphore use');
    if (pair === undefined || pair.Value === null) return { Limit: this.limit, Holders: {} };
    const parsed = JSON.parse(decodeValue(pair.Value).toString('utf8')) as SemaphoreDocument;
    if (parsed.Limit !== this.limit)
      throw new LatticeError('ERR_LOCK', `Semaphore limit conflict (lock: ${parsed.Limit}, local: ${this.limit})`);
    return { Limit: parsed.Limit, Holders: { ...parsed.Holders } };
  }

  private async acquireSlot(signal: AbortSignal): Promise<boolean> {
    let index = 0;
    while (!signal.aborted) {
      const { index: next, pairs } = await this.read(`${this.prefix}/`, index, signal, true);
      if (signal.aborted) return false;
      const lockPair = pairs.find((pair) => pair.Key === this.lockKey);
      const live = new Set(
        pairs.filter((pair) => pair.Key !== this.lockKey && pair.Session).map((pair) => pair.Session),
      );
      const document = this.document(lockPair);
      for (const holder of Object.keys(document.Holders)) if (!live.has(holder)) delete document.Holders[holder];
      if (Object.keys(document.Holders).length < document.Limit) {
        document.Holders[this.session] = true;
        const answer = await agentCall(this.target, 'Lock acquisition failed', {
          method: 'PUT',
          path: kvPath(this.lockKey),
          query: [
            ['cas', String(lockPair?.ModifyIndex ?? 0)],
            ['flags', semaphoreFlagValue],
          ],
          body: JSON.stringify(document),
        });
        if (answer.body.trim() === 'true') return true;
        index = 0;
        continue;
      }
      index = next;
    }
    return false;
  }

  /**
   * Watches the lock while held; aborts `lost` when this session no longer holds it, or when the lock could not be
   * read `retries` + 1 times in a row (1 s apart), as Consul's monitorLock: a holder cut off from its agent cannot
   * know whether its session still stands, and its child must not run on beside the next holder.
   */
  async monitor(stop: AbortSignal, retries: number): Promise<void> {
    let index = 0;
    let retriesLeft = retries;
    const signal = AbortSignal.any([stop, this.lost.signal]);
    while (!signal.aborted) {
      try {
        // Both kinds watch the lock key: the mutex's holder, or the semaphore's holder list.
        const { index: next, pairs } = await this.read(this.lockKey, index, signal);
        if (signal.aborted) return;
        const pair = pairs[0];
        const held =
          this.limit === 1
            ? pair?.Session === this.session
            : pair !== undefined && this.document(pair).Holders[this.session] === true;
        if (!held) {
          this.lost.abort(new LockLostError('the lock was lost'));
          return;
        }
        index = next;
        retriesLeft = retries;
      } catch (error) {
        if (signal.aborted) return;
        this.log(`watching the lock failed: ${(error as Error).message}`);
        if (retriesLeft === 0) {
          this.lost.abort(new LockLostError(`the lock could not be read: ${(error as Error).message}`));
          return;
        }
        retriesLeft--;
        index = 0;
        await waitMs(monitorRetryWaitMs, signal);
      }
    }
  }

  /** Gives the lock or slot back and destroys the session; errors are reported, not thrown. */
  async release(): Promise<void> {
    if (this.renewTimer !== null) clearInterval(this.renewTimer);
    try {
      if (this.limit === 1) {
        const held = (await this.read(this.lockKey, 0, AbortSignal.timeout(30_000))).pairs[0];
        if (held?.Session === this.session)
          await agentCall(this.target, 'releasing the lock', {
            method: 'PUT',
            path: kvPath(this.lockKey),
            // A release writes flags too (Consul's Unlock sends its lock entry), so they must stay the lock's.
            query: [
              ['release', this.session],
              ['flags', lockFlagValue],
            ],
          });
        // consul lock's Destroy: an unheld lock key is removed (by CAS, so a new holder's key stays); a key that
        // is not a lock's is left alone.
        const { pairs } = await this.read(this.lockKey, 0, AbortSignal.timeout(30_000));
        const pair = pairs[0];
        if (pair !== undefined && !pair.Session && hasFlags(pair, lockFlagValue))
          await agentCall(this.target, 'removing the lock key', {
            method: 'DELETE',
            path: kvPath(this.lockKey),
            query: [['cas', String(pair.ModifyIndex)]],
          });
      } else {
        await this.leaveSemaphore();
      }
      await agentCall(this.target, 'destroying the session', {
        method: 'PUT',
        path: `/v1/session/destroy/${this.session}`,
      });
    } catch (error) {
      this.log(`releasing failed: ${(error as Error).message}`);
    }
  }

  private async leaveSemaphore(): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const { pairs } = await this.read(this.lockKey, 0, AbortSignal.timeout(30_000));
      const pair = pairs[0];
      if (pair === undefined || !hasFlags(pair, semaphoreFlagValue)) break;
      const document = this.document(pair);
      if (document.Holders[this.session] !== true) break;
      delete document.Holders[this.session];
      const answer = await agentCall(this.target, 'releasing the semaphore', {
        method: 'PUT',
        path: kvPath(this.lockKey),
        query: [
          ['cas', String(pair.ModifyIndex)],
          ['flags', semaphoreFlagValue],
        ],
        body: JSON.stringify(document),
      });
      if (answer.body.trim() === 'true') break;
    }
    await agentCall(this.target, 'releasing the contender key', { method: 'DELETE', path: kvPath(this.contenderKey) });
    await this.destroySemaphore();
  }

  /**
   * Consul's Semaphore.Destroy: the `.lock` key goes once no live contender is recorded in it (holders whose
   * contender key lost its session are dead), by CAS so a holder that just joined keeps it.
   */
  private async destroySemaphore(): Promise<void> {
    const { pairs } = await this.read(`${this.prefix}/`, 0, AbortSignal.timeout(30_000), true);
    const lockPair = pairs.find((pair) => pair.Key === this.lockKey);
    if (lockPair === undefined || !hasFlags(lockPair, semaphoreFlagValue)) return;
    const live = new Set(pairs.filter((pair) => pair.Key !== this.lockKey && pair.Session).map((pair) => pair.Session));
    const holders = Object.keys(this.document(lockPair).Holders).filter((holder) => live.has(holder));
    if (holders.length > 0) {
      this.log('cleanup aborted, the semaphore is in use');
      return;
    }
    await agentCall(this.target, 'removing the semaphore key', {
      method: 'DELETE',
      path: kvPath(this.lockKey),
      query: [['cas', String(lockPair.ModifyIndex)]],
    });
  }
}

/** Consul's ExecScript (`$SHELL -c`, /bin/sh when unset) or, with -shell=false, ExecSubprocess (the words as argv). */
function runChild(words: readonly string[], flags: LockFlags): ChildProcess {
  const options = {
    env: { ...process.env, CONSUL_LOCK_HELD: 'true' },
    stdio: [flags.passStdin ? 'inherit' : 'ignore', 'inherit', 'inherit'] as ('inherit' | 'ignore')[],
  };
  if (!flags.shell) return spawn(words[0] as string, words.slice(1), options);
  return spawn(process.env.SHELL || '/bin/sh', ['-c', words.join(' ')], options);
}

/** SIGTERM now, SIGKILL if the child is still there after the grace period. */
function stopChild(child: ChildProcess): void {
  child.kill('SIGTERM');
  const escalate = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, childKillGraceMs);
  escalate.unref();
  child.once('exit', () => clearTimeout(escalate));
}

async function lock(prefixArgument: string | undefined, childArgs: string[], flags: LockFlags): Promise<void> {
  const target = resolveHttpOptions(flags, process.env);
  // consul lock's checks and texts, in its order.
  const limit = Number(flags.n);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new LatticeError('ERR_USAGE', 'Lock holder limit must be positive');
  if (prefixArgument === undefined || childArgs.length === 0)
    throw new LatticeError('ERR_USAGE', 'Key prefix and child command must be specified');
  const prefix = prefixArgument.replace(/\/+$/, '');
  if (prefix === '') throw new LatticeError('ERR_USAGE', 'Error! Missing PREFIX argument');
  if (parseDuration(flags.try ?? flags.timeout) < 0) throw new LatticeError('ERR_USAGE', 'Timeout must be positive');
  const monitorRetry = Number(flags.monitorRetry);
  if (!Number.isSafeInteger(monitorRetry) || monitorRetry < 0)
    throw new LatticeError('ERR_USAGE', "Number for 'monitor-retry' must be >= 0");
  const log = (line: string): void => {
    if (flags.verbose) process.stderr.write(`Lock: ${line}\n`);
  };
  const holder = await LockHolder.create(target, prefix, limit, flags, log);
  const acquiring = new AbortController();
  const timeoutMs = parseDuration(flags.try ?? flags.timeout);
  const timer = timeoutMs > 0 ? setTimeout(() => acquiring.abort(), timeoutMs) : null;
  let child: ChildProcess | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (child !== null) child.kill(signal);
    else acquiring.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let acquired = false;
  const acquireSignal = AbortSignal.any([acquiring.signal, holder.lost.signal]);
  try {
    acquired = await holder.acquire(acquireSignal);
  } catch (error) {
    // A blocking read cut short by the timeout or a signal is "not acquired"; anything else is a failure.
    if (!acquireSignal.aborted) {
      await holder.release();
      throw error;
    }
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
  if (!acquired) {
    await holder.release();
    throw new LatticeError('ERR_LOCK', 'Lock acquisition failed: timed out or interrupted');
  }
  log(`acquired ${limit === 1 ? 'lock' : 'semaphore slot'} on ${prefix} (session ${holder.session})`);
  const monitorStop = new AbortController();
  const running = runChild(childArgs, flags);
  child = running;
  holder.lost.signal.addEventListener('abort', () => {
    process.stderr.write('Lock lost, killing child\n');
    stopChild(running);
  });
  const monitoring = holder.monitor(monitorStop.signal, monitorRetry);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    running.on('exit', (code, signal) => resolve({ code, signal }));
    running.on('error', (error) => {
      // consul lock's startChild: a child that cannot start is reported and is the child's error (exit 2 with
      // -child-exit-code).
      process.stderr.write(`Error starting handler: ${error.message}\n`);
      resolve({ code: 127, signal: null });
    });
  });
  monitorStop.abort();
  await monitoring;
  await holder.release();
  log('released');
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (holder.lost.signal.aborted) process.exitCode = 1;
  else if (exit.code !== 0 && flags.childExitCode) process.exitCode = 2;
}

/** consul lock's boolean flags, which Go also reads as `-name=true|false`. */
const lockBooleans = ['--shell', '--pass-stdin', '--child-exit-code', '--verbose'];

/** Go-style flags before PREFIX (GoFlagCommand), with `-shell=false` and friends read as Go booleans. */
class LockCommand extends GoFlagCommand {
  override parseOptions(argv: string[]): ReturnType<Command['parseOptions']> {
    const takesValue = (flag: string): boolean =>
      this.options.some((option) => (option.long === flag || option.short === flag) && option.required);
    return super.parseOptions(rewriteGoBooleanFlags(argv, { booleans: lockBooleans, takesValue }));
  }
}

export function registerLock(program: Command): void {
  // Go's flag package stops at the first non-flag word, so the program must let the subcommand see its words.
  program.enablePositionalOptions();
  const command = new LockCommand('lock');
  program.addCommand(command);
  command.passThroughOptions();
  addHttpOptions(
    command
      .description('Runs CHILD while holding a lock (or, with -n, a semaphore slot) on PREFIX in the KV store')
      // Optional to commander, so that a missing one gets consul lock's text from lock().
      .argument('[prefix]', 'the KV prefix of the lock')
      .argument('[child...]', 'the command to run (through $SHELL -c, or as argv with -shell=false)')
      .option('-n, --n <limit>', 'semaphore limit: how many may hold the lock at once', '1')
      .option('--timeout <duration>', 'give up acquiring after this long (0: wait forever)', '0s')
      .addOption(new Option('--try <duration>', 'deprecated: use -timeout').hideHelp())
      .option(
        '--monitor-retry <count>',
        'failed looks at the held lock to ride out (1 s apart) before it counts as lost',
        '3',
      )
      .option('--name <name>', 'the session name')
      .option('--session-ttl <duration>', 'TTL of the lock session (the server invalidates after twice it)', '15s')
      .option('--lock-delay <duration>', "the session's lock delay after invalidation", '15s')
      .option('--child-exit-code', 'exit 2 if the child exits with an error')
      .option('--pass-stdin', "pass this process's stdin to the child (otherwise it reads /dev/null)")
      .option('--shell', 'run the child through $SHELL -c (the default; -shell=false runs the words as argv)', true)
      .addOption(new Option('--no-shell').hideHelp())
      .addOption(new Option('--no-pass-stdin').hideHelp())
      .addOption(new Option('--no-child-exit-code').hideHelp())
      .option('--verbose', 'reports acquisition and release on stderr')
      // After their positives: a --no- twin declared first would make the flag default to true.
      .addOption(new Option('--no-verbose').hideHelp())
      .allowExcessArguments(),
  ).action(async (prefix: string | undefined, child: string[], flags: LockFlags) => lock(prefix, child, flags));
}
