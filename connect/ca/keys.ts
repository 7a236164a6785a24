// Key material for the built-in CA: WebCrypto key pairs (EC P-256 by default, P-384/P-521, RSA 2048/4096), their PEM
// forms as Consul writes them (SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`), and Consul's key IDs.
// WebCrypto over node-forge: forge cannot make EC certificates and signed an RSA-2048 leaf in ~24 ms against
// ~3.5 ms for EC P-256 here. @peculiar/x509 builds roots, cross-signed certificates and CSRs on top of WebCrypto;
// the leaf hot path (leaf.ts) signs the same keys through Node's KeyObject.

import { createHash, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { MalformedCertificateError } from '../errors.js';

export type PrivateKeyType = 'ec' | 'rsa';
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
type KeyImportAlgorithm = webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
/** What x509 takes as a signing algorithm: ECDSA with a hash, or RSASSA-PKCS1-v1_5 (hash from the key). */
export type SigningAlgorithm = webcrypto.EcdsaParams | webcrypto.Algorithm;

/** The WebCrypto provider every x509 call gets explicitly, so no module-level provider has to be set. */
export const cryptoProvider = webcrypto;
const subtle = webcrypto.subtle;

const curveForBits: Readonly<Record<number, string>> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const bitsForCurve: Readonly<Record<string, number>> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** The WebCrypto algorithm for a key of this type and size (for generation and import). */
export function keyAlgorithm(type: PrivateKeyType, bits: number): KeyImportAlgorithm {
  if (type === 'ec') {
    const namedCurve = curveForBits[bits];
    if (namedCurve === undefined) throw new MalformedCertificateError(`unsupported EC key size ${bits}`);
    return { name: 'ECDSA', namedCurve };
  }
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/**
 * The signature algorithm a CA key signs with. Consul uses SHA-256 for every EC curve and for RSA
 * (connect.SigAlgoForKey), so certificates from either look the same to peers.
 */
export function signingAlgorithm(type: PrivateKeyType): SigningAlgorithm {
  return type === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

export async function generateKeyPair(type: PrivateKeyType, bits: number): Promise<CryptoKeyPair> {
  const algorithm =
    type === 'ec'
      ? keyAlgorithm(type, bits)
      : { ...keyAlgorithm(type, bits), modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) };
  return (await subtle.generateKey(algorithm as webcrypto.EcKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** The private key as Consul stores and serves it: SEC1 for EC, PKCS#1 for RSA. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', key));
  const keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const type = keyObject.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs1';
  return keyObject.export({ format: 'pem', type }) as string;
}

export interface ImportedPrivateKey {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly type: PrivateKeyType;
  readonly bits: number;
}

/** Reads a PEM private key (SEC1, PKCS#1 or PKCS#8) into WebCrypto keys, learning its type and size. */
export async function importPrivateKeyPem(pem: string): Promise<ImportedPrivateKey> {
  let keyObject: ReturnType<typeof createPrivateKey>;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new MalformedCertificateError('private key does not parse', { cause: error });
  }
  const details = keyObject.asymmetricKeyDetails ?? {};
  let type: PrivateKeyType;
  let bits: number;
  if (keyObject.asymmetricKeyType === 'ec') {
    type = 'ec';
    bits = bitsForCurve[details.namedCurve ?? ''] ?? 0;
  } else if (keyObject.asymmetricKeyType === 'rsa') {
    type = 'rsa';
    bits = details.modulusLength ?? 0;
  } else {
    throw new MalformedCertificateError(`unsupported private key type ${keyObject.asymmetricKeyType}`);
  }
  if (bits === 0) throw new MalformedCertificateError('unsupported private key size');
  const algorithm = keyAlgorithm(type, bits);
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, algorithm, true, ['verify']);
  return { privateKey, publicKey, type, bits };
}

/** Consul's key ID (connect.KeyId): SHA-256 of the DER SubjectPublicKeyInfo, used as SKI and AKI. */
export function keyIdOfSpki(spki: ArrayBuffer | Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(spki instanceof Uint8Array ? spki : new Uint8Array(spki))
    .digest();
}

export async function keyIdOfPublicKey(publicKey: CryptoKey): Promise<Uint8Array> {
  return keyIdOfSpki(await subtle.exportKey('spki', publicKey));
}

/** Consul's connect.HexString: lowercase hex bytes joined by colons ("c7:bd:55"). */
export function colonHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** Hex without separators, as @peculiar/x509 takes key IDs and serial numbers. */
export function plainHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A random positive 128-bit serial number in hex (the top bit cleared so DER needs no sign byte). */
export function randomSerialHex(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return plainHex(bytes);
}

/** A positive integer serial in hex, for roots whose serial Consul shows as a number. */
export function integerSerialHex(serial: number): string {
  const hex = serial.toString(16);
  const even = hex.length % 2 === 0 ? hex : `0${hex}`;
  // A leading byte of 0x80 or more would read as negative in DER.
  return Number.parseInt(even.slice(0, 2), 16) >= 0x80 ? `00${even}` : even;
}

/** SHA-1 of the DER certificate, colon-hex: a CARoot's ID (connect.CalculateCertFingerprint). */
export function certificateFingerprint(der: ArrayBuffer | Uint8Array): string {
  return colonHex(
    createHash('sha1')
      .update(der instanceof Uint8Array ? der : new Uint8Array(der))
      .digest(),
  );
}
