import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_PREFIX = 'dss_';
export const API_KEY_PREFIX = 'dsk_';
const SESSION_TOKEN = /^dss_[A-Za-z0-9_-]{43}$/;
const API_KEY_TOKEN = /^dsk_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export const sha256 = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/** `dss_` + 256 random bits, base64url. Only its SHA-256 is stored. */
export function newSessionToken(): { token: string; digest: Buffer } {
  const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
  return { token, digest: sha256(token) };
}

/** `dsk_<keyId>_<secret>`: the key id finds the row, the 256-bit secret is compared by digest. */
export function newApiKey(): { token: string; keyId: string; secretDigest: Buffer } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const keyId = Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { token: `${API_KEY_PREFIX}${keyId}_${secret}`, keyId, secretDigest: sha256(secret) };
}

export function parseBearer(token: string): { kind: 'session'; digest: Buffer } | { kind: 'api_key'; keyId: string; secret: string } | null {
  if (SESSION_TOKEN.test(token)) return { kind: 'session', digest: sha256(token) };
  const m = API_KEY_TOKEN.exec(token);
  if (m) return { kind: 'api_key', keyId: m[1], secret: m[2] };
  return null;
}

export function digestEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
