// The version of this build, read once from package.json so `lattice version` and /v1/agent/self agree.

import { readFileSync } from 'node:fs';

interface PackageJson {
  readonly version: string;
}

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;

export const latticeVersion: string = packageJson.version;
/** The Consul API version whose contract this build follows (reported as Config.Version to Consul clients). */
export const consulCompatibleVersion = '1.20.0';
export const protocolVersion = 2;
