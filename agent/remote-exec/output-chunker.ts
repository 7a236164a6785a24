// Cuts a running command's output into the chunks an agent uploads, as Consul's rexecWriter does
// (agent/remote_exec.go): bytes collect in a 4 KiB buffer; a full buffer goes out at once, and whatever is
// buffered goes out once no output has arrived for 500 ms. stdout and stderr share one buffer, in arrival order.

import type { Clock, Timer } from '../../lib/clock.js';

/** Consul's remoteExecOutputSize: the largest chunk, and so the largest output value one KV write carries. */
export const outputChunkSizeBytes = 4 * 1024;
/** Consul's remoteExecOutputDeadline: how long a partial chunk waits for more output before it is uploaded. */
export const outputIdleFlushMs = 500;

export interface OutputChunkerConfig {
  readonly chunkSizeBytes: number;
  readonly idleFlushMs: number;
}

export const defaultOutputChunkerConfig: OutputChunkerConfig = Object.freeze({
  chunkSizeBytes: outputChunkSizeBytes,
  idleFlushMs: outputIdleFlushMs,
});

export class OutputChunker {
  private buffer: Buffer;
  private bufferedBytes = 0;
  private idleTimer: Timer | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly config: OutputChunkerConfig,
    /** Receives each chunk, never empty, at most chunkSizeBytes long; the chunker keeps no reference to it. */
    private readonly emit: (chunk: Buffer) => void,
  ) {
    this.buffer = Buffer.alloc(config.chunkSizeBytes);
  }

  write(bytes: Uint8Array): void {
    this.cancelIdleTimer();
    let rest = bytes;
    while (rest.length > 0) {
      const room = this.config.chunkSizeBytes - this.bufferedBytes;
      const taken = Math.min(room, rest.length);
      this.buffer.set(rest.subarray(0, taken), this.bufferedBytes);
      this.bufferedBytes += taken;
      rest = rest.subarray(taken);
      if (this.bufferedBytes === this.config.chunkSizeBytes) this.flush();
    }
    this.idleTimer = this.clock.setTimer(this.config.idleFlushMs, () => {
      this.idleTimer = null;
      this.flush();
    });
  }

  /** Emits what is buffered (nothing when empty); called at the end of output too. */
  flush(): void {
    this.cancelIdleTimer();
    if (this.bufferedBytes === 0) return;
    const chunk = this.buffer.subarray(0, this.bufferedBytes);
    this.buffer = Buffer.alloc(this.config.chunkSizeBytes);
    this.bufferedBytes = 0;
    this.emit(chunk);
  }

  private cancelIdleTimer(): void {
    this.idleTimer?.cancel();
    this.idleTimer = null;
  }
}
