// Loading a module on first use instead of at start-up. Every module a process imports stays in its heap (code,
// closures, constants) for the process's whole life, so code that a client agent may never run (certificate
// generation, the built-in proxy, the DNS server) is imported by the first call that needs it. Concurrent first
// calls share one import; a failed import is not remembered, so the next call tries again, and the error names
// what could not be loaded.

import { LatticeError } from './errors.js';

/** A module failed to load on first use (a missing or broken dependency); the import error is the cause. */
export class ModuleLoadError extends LatticeError {
  override readonly name: string = 'ModuleLoadError';
  constructor(what: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('ERR_MODULE_LOAD', `could not load ${what}${cause}`, options);
  }
}

/**
 * Returns a function that imports a module once, on its first call, and resolves with it (`what` names it in the
 * error). Pass a literal `() => import('./x.js')` so that the compiler checks the path and types the result.
 */
export function lazyModule<T>(what: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = null;
      throw new ModuleLoadError(what, { cause: error });
    });
    return loading;
  };
}
