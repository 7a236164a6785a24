// Waits for a job's results as Consul's waitForJob (command/exec/exec.go): each report re-arms a quiet timer of
// -wait, doubled while some node acknowledged but has not exited; when it runs out the summary
// "N / M node(s) completed / acknowledged" is printed and the exit status decided: 2 if any node exited non-zero or
// acknowledged without exiting, else 0; 1 if the results could not be read or the user interrupted.

import { nodeInfoText, nodeOutputText, summaryText } from './exec-output.js';
import type { ResultSink } from './exec-results.js';

/** The longest delay a Node timer holds; a longer -wait would end the job at once. */
const quietWaitMsMax = 2 ** 31 - 1;

export interface WaitForJobOptions {
  readonly quietWaitMs: number;
  readonly verbose: boolean;
  readonly write: (text: string) => void;
  readonly writeError: (text: string) => void;
  /** Starts streaming into the sink; rejects when reading fails. Stopped through the signal. */
  readonly stream: (sink: ResultSink, signal: AbortSignal) => Promise<void>;
  /** Aborts on SIGINT/SIGTERM. */
  readonly interrupted: AbortSignal;
}

export async function waitForJob(options: WaitForJobOptions): Promise<number> {
  const { write } = options;
  const startedMs = performance.now();
  const streaming = new AbortController();
  let ackCount = 0;
  let exitCount = 0;
  let badExitCount = 0;
  let timer: NodeJS.Timeout | undefined;
  let finish: (status: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const rearm = (): void => {
    clearTimeout(timer);
    const waitMs = Math.min(ackCount > exitCount ? options.quietWaitMs * 2 : options.quietWaitMs, quietWaitMsMax);
    timer = setTimeout(() => {
      write(summaryText(exitCount, ackCount));
      if (options.verbose) write(`Completed in ${((performance.now() - startedMs) / 1000).toFixed(2)} seconds\n`);
      if (exitCount < ackCount) badExitCount++;
      finish(badExitCount > 0 ? 2 : 0);
    }, waitMs);
  };
  const sink: ResultSink = {
    ack: (node) => {
      ackCount++;
      if (options.verbose) write(nodeInfoText(node, 'acknowledged'));
      rearm();
    },
    heartbeat: (node) => {
      if (options.verbose) write(nodeInfoText(node, 'heartbeat received'));
      rearm();
    },
    output: (node, output) => {
      write(nodeOutputText(node, output.toString('utf8')));
      rearm();
    },
    exit: (node, code) => {
      exitCount++;
      write(nodeInfoText(node, `finished with exit code ${code}`));
      if (code !== 0) badExitCount++;
      rearm();
    },
    problem: (message) => options.writeError(`${message}\n`),
  };
  const onInterrupt = (): void => finish(1);
  options.interrupted.addEventListener('abort', onInterrupt, { once: true });
  rearm();
  options.stream(sink, streaming.signal).catch((error: unknown) => {
    options.writeError(`${(error as Error).message}\n`);
    finish(1);
  });
  try {
    return await finished;
  } finally {
    clearTimeout(timer);
    streaming.abort();
    options.interrupted.removeEventListener('abort', onInterrupt);
  }
}
