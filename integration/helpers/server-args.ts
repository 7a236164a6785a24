// The command line of one server of a three-server test cluster: bootstrap_expect 3, joined through the first
// server (retried every second while it starts), on its own loopback address with Consul's default ports.

export interface ServerArgsOptions {
  readonly host: string;
  /** The server every other one joins (the cluster's first). */
  readonly seed: string;
  readonly dataDir: string;
  /** The node name's prefix; the host's last octet completes it (`server-2`). */
  readonly namePrefix: string;
  readonly extra?: readonly string[];
}

export function serverAgentArgs(options: ServerArgsOptions): string[] {
  return [
    'agent',
    '-server',
    '-bootstrap-expect=3',
    `-retry-join=${options.seed}`,
    '-retry-interval=1s',
    `-bind=${options.host}`,
    `-client=${options.host}`,
    `-data-dir=${options.dataDir}`,
    `-node=${options.namePrefix}-${options.host.split('.').at(-1)}`,
    ...(options.extra ?? []),
  ];
}
