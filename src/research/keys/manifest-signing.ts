import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ResearchError } from '../research.errors.js';

export type SigningKeyInput = KeyObject | string;

export interface Ed25519Signature {
  alg: 'Ed25519';
  keyId: string;
  /** Base64 of the 64-byte signature. */
  value: string;
}

function privateKeyOf(key: SigningKeyInput | undefined): KeyObject {
  if (key === undefined) throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'no signing key available');
  const k = typeof key === 'string' ? createPrivateKey(key) : key;
  if (k.type !== 'private' || k.asymmetricKeyType !== 'ed25519') throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'signing key is not an Ed25519 private key');
  return k;
}

/** Ed25519 (RFC 8032) over raw bytes. */
export function ed25519Sign(message: Uint8Array, privateKey: SigningKeyInput | undefined): Buffer {
  return sign(null, message, privateKeyOf(privateKey));
}

/** The RFC 8785 canonical UTF-8 bytes of a JSON value: what a manifest signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new ResearchError('VALIDATION_FAILED', 'value has no canonical JSON form');
  return Buffer.from(text, 'utf8');
}

/** Signs a manifest over its canonical JSON without `signature` and returns it with the signature attached. */
export function signManifest<T extends object>(manifest: T, privateKey: SigningKeyInput | undefined, keyId: string): T & { signature: Ed25519Signature } {
  const { signature: _ignored, ...unsigned } = manifest as T & { signature?: unknown };
  const value = ed25519Sign(canonicalBytes(unsigned), privateKey).toString('base64');
  return { ...(unsigned as T), signature: { alg: 'Ed25519', keyId, value } };
}

/** Ed25519 key pair from a 32-byte RFC 8032 seed (test vectors, key-provider imports). */
export function ed25519KeyPairFromSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: KeyObject } {
  if (seed.length !== 32) throw new ResearchError('VALIDATION_FAILED', 'an Ed25519 seed has 32 bytes');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Raw 32-byte public key, as RFC 8032 prints it. */
export function ed25519PublicKeyBytes(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

export function ed25519Verify(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject | string): boolean {
  return verify(null, message, typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey, signature);
}
