// Live data for the pages: a blocking query loop (Consul's ?index=&wait=) that answers as soon as the data
// changes, loaders that rerun when the indexes they depend on move, and polls for endpoints that do not block.
// Every loop stops (its request aborted) when the page that started it goes away.

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiUrl, request } from './client.js';

export interface Live<T> {
  readonly data: T | undefined;
  /** The last failure; cleared by the next success. Data from before it stays shown. */
  readonly error: unknown;
  /** Changes each time new data arrives; loaders use it to follow a blocking query. */
  readonly index: number;
}

/** How long the agent may hold a blocking query; the agent answers at once when the data changes. */
const blockingWait = '30s';
/** A lost agent is retried at least this often, so the page recovers soon after it is back. */
const retryDelayMsMax = 5_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function retryDelayMs(failures: number): number {
  return Math.min(retryDelayMsMax, 500 * 2 ** Math.min(failures, 5));
}

/**
 * Follows `path` (no query string; `params` are added) with blocking queries until unmounted or `path` changes.
 * `path` null waits for it to be known. Answers with a status in `okStatuses` (KV's 404 for an empty folder)
 * count as data: their body, or null when empty.
 */
export function useBlocking<T>(
  path: string | null,
  params: Record<string, string | boolean> = {},
  okStatuses: readonly number[] = [],
): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: undefined, error: null, index: 0 });
  const key = path === null ? null : apiUrl(path, params);
  useEffect(() => {
    setState({ data: undefined, error: null, index: 0 });
    if (path === null) return;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      let index = 0;
      let failures = 0;
      let seen = 0;
      while (!signal.aborted) {
        try {
          const url = apiUrl(path, index > 0 ? { ...params, index, wait: blockingWait } : params);
          const reply = await request<T>(url, { signal, okStatuses });
          if (signal.aborted) return;
          failures = 0;
          // An index that goes backwards (a restored snapshot, a new leader) starts over, as Consul's clients do.
          const changed = reply.index !== index || index === 0;
          index = reply.index > 0 && reply.index >= index ? reply.index : 0;
          if (changed) {
            seen += 1;
            const count = seen;
            setState({ data: reply.value, error: null, index: count });
          }
          if (reply.index === 0) await sleep(2_000, signal); // not a blocking endpoint: poll it
        } catch (error) {
          if (signal.aborted || (error instanceof ApiError && error.kind === 'aborted')) return;
          failures += 1;
          index = 0;
          setState((previous) => ({ ...previous, error }));
          await sleep(retryDelayMs(failures), signal);
        }
      }
    })();
    return () => controller.abort();
    // `key` holds path and params.
  }, [key]);
  return state;
}

/** Polls a non-blocking endpoint (status, autopilot) every `intervalMs` while mounted. */
export function usePoll<T>(
  path: string,
  intervalMs: number,
  okStatuses: readonly number[] = [],
  params: Record<string, string | boolean> = {},
): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: undefined, error: null, index: 0 });
  const key = apiUrl(path, params);
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      let count = 0;
      while (!signal.aborted) {
        try {
          const reply = await request<T>(apiUrl(path, params), { signal, okStatuses });
          count += 1;
          setState({ data: reply.value, error: null, index: count });
        } catch (error) {
          if (signal.aborted) return;
          setState((previous) => ({ ...previous, error }));
        }
        await sleep(intervalMs, signal);
      }
    })();
    return () => controller.abort();
  }, [key, intervalMs]);
  return state;
}

/**
 * Runs `load` whenever a value in `deps` changes (typically the indexes of the blocking queries it follows),
 * keeping the previous result on screen while the next one loads; a load started earlier never overwrites a
 * later one.
 */
export function useLoad<T>(load: ((signal: AbortSignal) => Promise<T>) | null, deps: readonly unknown[]): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: undefined, error: null, index: 0 });
  const generation = useRef(0);
  useEffect(() => {
    if (load === null) return;
    const controller = new AbortController();
    const mine = ++generation.current;
    load(controller.signal).then(
      (data) => {
        if (mine === generation.current) setState({ data, error: null, index: mine });
      },
      (error: unknown) => {
        if (mine === generation.current && !controller.signal.aborted) setState((previous) => ({ ...previous, error }));
      },
    );
    return () => controller.abort();
  }, deps);
  return state;
}
