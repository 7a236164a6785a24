// The keyring on disk, `data_dir/serf/local.keyring`: a JSON list of base64 keys, primary first, as Serf writes
// it. Once the file exists it wins over the `encrypt` config key (reference §3.4), so a rotated keyring survives
// restarts. Writes are atomic: temp file, fsync, rename, then fsync of the directory.

import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Keyring, KeyringError } from './keyring.js';

export const localKeyringFileName = join('serf', 'local.keyring');
export const remoteKeyringFileName = join('serf', 'remote.keyring');
/** A keyring file is a few dozen keys of 44 characters; anything far larger is not a keyring. */
export const keyringFileSizeBytesMax = 64 * 1024;

export function localKeyringPath(dataDir: string): string {
  return join(dataDir, localKeyringFileName);
}

/** Reads a keyring file; null when it does not exist, KeyringError when it exists but is unusable. */
export async function readKeyringFile(path: string): Promise<Keyring | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeyringError(`cannot read keyring file ${path}`, { cause: error });
  }
  if (text.length > keyringFileSizeBytesMax) throw new KeyringError(`keyring file ${path} is too large`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new KeyringError(`keyring file ${path} is not valid JSON`, { cause: error });
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new KeyringError(`keyring file ${path} must hold a JSON list of base64 keys`);
  }
  try {
    return new Keyring(parsed);
  } catch (error) {
    throw new KeyringError(`keyring file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes the keyring atomically (mode 0600: the file holds secrets). */
export async function writeKeyringFile(path: string, keyring: Keyring): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(keyring.list(), null, 2)}\n`, 0o600);
}

/** temp + fsync + rename + directory fsync, so a crash leaves either the old file or the new one. */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const temporaryPath = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(
    temporaryPath,
    fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_EXCL,
    mode,
  );
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
  const directoryHandle = await open(directory, fsConstants.O_RDONLY);
  try {
    await directoryHandle.sync();
  } finally {
    await directoryHandle.close();
  }
}

export interface KeyringSource {
  readonly keyring: Keyring | null;
  /** Where the keys came from, for the startup log line. */
  readonly origin: 'file' | 'encrypt' | 'none';
  /** True when `encrypt` was given but the file, which wins, does not hold it as primary. */
  readonly encryptIgnored: boolean;
}

/**
 * Loads the keyring for a pool: the file if present (it wins), else `encrypt` (then written to the file so later
 * rotations persist), else none (gossip in plain text).
 */
export async function loadKeyring(path: string | null, encrypt: string | undefined): Promise<KeyringSource> {
  const fromFile = path === null ? null : await readKeyringFile(path);
  if (fromFile) {
    const encryptIgnored = encrypt !== undefined && encrypt !== '' && fromFile.primaryKeyBase64() !== encrypt.trim();
    return { keyring: fromFile, origin: 'file', encryptIgnored };
  }
  if (encrypt === undefined || encrypt === '') return { keyring: null, origin: 'none', encryptIgnored: false };
  const keyring = new Keyring([encrypt]);
  if (path !== null) await writeKeyringFile(path, keyring);
  return { keyring, origin: 'encrypt', encryptIgnored: false };
}
