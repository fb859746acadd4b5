import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';

/** Key id of an Ed25519 public key: the first 16 hex characters of the SHA-256 of its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export interface AuditKeys {
  signing: KeyObject;
  signingKeyId: string;
  /** Pinned verification keys by key id; in development the signing key's own public key when none are pinned. */
  verify: Map<string, KeyObject>;
}

export function loadAuditKeys(config: AppConfig): AuditKeys {
  const signing = createPrivateKey(config.audit.signingKey);
  const own = createPublicKey(signing);
  const verify = new Map<string, KeyObject>();
  const pinned = config.audit.verifyKeys.map((pem) => createPublicKey(pem));
  for (const k of pinned.length > 0 ? pinned : [own]) verify.set(keyIdOf(k), k);
  return { signing, signingKeyId: keyIdOf(own), verify };
}
