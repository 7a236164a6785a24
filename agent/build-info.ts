// What the running build is, handed to the agent by the CLI (the agent does not read package.json itself).

export interface BuildInfo {
  /** Lattice's own version. */
  readonly version: string;
  /** The Consul version whose API this build follows; reported as `Config.Version` to Consul clients. */
  readonly consulVersion: string;
  readonly revision: string;
  /** RFC 3339. */
  readonly buildDate: string;
}

/** The host facts /v1/agent/self reports under Stats.runtime. */
export interface RuntimeInfo {
  readonly arch: string;
  readonly os: string;
  readonly nodeVersion: string;
  readonly cpuCount: number;
}
