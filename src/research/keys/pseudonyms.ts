import { createHmac, hkdfSync } from 'node:crypto';
import { ResearchError } from '../research.errors.js';
import { base32Lower } from './base32.js';

export const PSEUDONYM_SCHEME = 'HMAC-SHA-256/HKDF-SHA-256/v1';
export const PSEUDONYM_BITS = 128;
const PID_INFO_PREFIX = 'doorstep/research/pid/v1:';

/** HMAC-SHA-256 (RFC 2104/4231), optionally cut to its first `truncateBytes` bytes. */
export function hmacSha256(key: Uint8Array, data: Uint8Array | string, truncateBytes = 32): Buffer {
  const mac = createHmac('sha256', key).update(data).digest();
  return mac.subarray(0, truncateBytes);
}

/** HKDF-SHA-256 (RFC 5869). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array | string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, typeof info === 'string' ? Buffer.from(info, 'utf8') : info, length));
}

/**
 * K_p = HKDF(master, project salt, info = prefix + projectId). The salt is random rather than the project id so that
 * destroying it makes K_p underivable even for whoever keeps the master key (crypto-shredding, research-data.md §5.2).
 */
export function deriveProjectKey(masterKey: Uint8Array, projectSalt: Uint8Array, projectId: string): Buffer {
  if (masterKey.length < 32) throw new ResearchError('VALIDATION_FAILED', 'the research master key has at least 256 bits');
  if (projectSalt.length < 32) throw new ResearchError('VALIDATION_FAILED', 'a project salt has at least 256 bits');
  if (!projectId) throw new ResearchError('VALIDATION_FAILED', 'project id missing');
  return hkdfSha256(masterKey, projectSalt, PID_INFO_PREFIX + projectId, 32);
}

/** pid = base32 of the first 128 bits of HMAC(K_p, 'person:' + person key): 26 lower-case characters. */
export function pseudonym(projectKey: Uint8Array, personKey: string): string {
  if (projectKey.length !== 32) throw new ResearchError('VALIDATION_FAILED', 'a project key has 256 bits');
  return base32Lower(hmacSha256(projectKey, `person:${personKey}`, PSEUDONYM_BITS / 8));
}

/** Pseudonymiser bound to one project key; the key stays inside the closure and never appears in results. */
export function pseudonymiser(projectKey: Uint8Array): (personKey: string) => string {
  const key = Buffer.from(projectKey);
  return (personKey) => pseudonym(key, personKey);
}
