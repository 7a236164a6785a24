// What an HTTP client reads after "rpc error making call: " when a server cannot be reached. grpc-js describes a
// failed connection as "No connection established. Last error: Error: connect ECONNREFUSED 10.0.0.1:8300.
// Resolution note: " — channel internals no operator needs. Consul's Go net package says "dial tcp
// 10.0.0.1:8300: connect: connection refused"; this turns the first into the second and strips what it cannot map.

/** Go's syscall texts for the errors a dial to a server can end with. */
const goDialErrors: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connect: connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
};

/** A short, Consul-like cause for a gRPC transport failure's details text. */
export function shortTransportReason(details: string): string {
  const dial = /\b(?:connect|read|write) (E[A-Z]+) (\S+?)\.?(?:\s|$)/.exec(details);
  const code = dial?.[1];
  const goText = code === undefined ? undefined : goDialErrors[code];
  if (goText !== undefined) return `dial tcp ${dial?.[2]}: ${goText}`;
  const stripped = details
    .replace(/\s*Resolution note:.*$/s, '')
    .replace(/^No connection established\.\s*Last error:\s*/, '')
    .replace(/^(?:Error:\s*)+/, '')
    .trim();
  return /^[\s.:]*$/.test(stripped) ? 'connection failed' : stripped;
}
