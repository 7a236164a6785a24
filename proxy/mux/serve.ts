// The accepting side of a multiplexed session: a public-listener connection whose client chose `lattice-mux/1` in
// ALPN. It has passed the listener's chain (certificate, intentions) like any connection; each stream the client
// opens is handed back to the listener as a connection of its own, so it is verified, authorized, counted and
// relayed to the local app the same way, and a deny written after the session opened refuses new streams at once.

import type { TLSSocket } from 'node:tls';
import type { ConnectionContext, ProxyConnection } from '../filter-chain.js';
import { MUX_ALPN } from './frames.js';
import { MuxSession } from './session.js';
import { MuxStream } from './stream.js';

/** The server's ALPN choice: the mux for Lattice sidecars; for others what a plain TCP relay implies. */
export function chooseAlpn({ protocols }: { protocols: string[] }): string | undefined {
  if (protocols.includes(MUX_ALPN)) return MUX_ALPN;
  // Node refuses a handshake whose offers the callback does not pick from. Bytes pass through untouched, so the
  // app decides; HTTP/1.1 is what a client offered nothing would have spoken, otherwise the client's first choice.
  return protocols.includes('http/1.1') ? 'http/1.1' : protocols[0];
}

export function isMuxSession(connection: ProxyConnection): boolean {
  const { downstream } = connection;
  return !(downstream instanceof MuxStream) && (downstream as TLSSocket).alpnProtocol === MUX_ALPN;
}

/** Runs the session until it closes; each stream the peer opens goes to `acceptStream`. */
export function serveSession(
  connection: ProxyConnection,
  acceptStream: (stream: MuxStream, session: ConnectionContext) => void,
): Promise<void> {
  const { signal, context } = connection;
  const session = new MuxSession(connection.downstream as TLSSocket, {
    role: 'acceptor',
    onOpen: (stream) => acceptStream(stream, context),
  });
  return new Promise<void>((resolve, reject) => {
    const onAbort = () =>
      session.close(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    session.onEnd((reason) => {
      signal.removeEventListener('abort', onAbort);
      if (reason === null) resolve();
      else reject(reason);
    });
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    else session.start();
  });
}
