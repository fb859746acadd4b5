import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { generate, generateSecret, generateURI, verify } from 'otplib';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

const STEP_SECONDS = 30;

/**
 * RFC 6238 TOTP (SHA-1, 6 digits, 30 s) with one step of drift either way. The 160-bit seed is stored
 * encrypted with AES-256-GCM under MFA_ENCRYPTION_KEY, which never enters the database; the user id is
 * the additional authenticated data, so a seed copied to another user does not decrypt.
 */
@Injectable()
export class TotpService {
  readonly keyId: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.keyId = createHash('sha256').update(config.mfa.encryptionKey).digest('hex').slice(0, 12);
  }

  newSecret(): string {
    return generateSecret({ length: 20 });
  }

  otpauthUrl(secret: string, label: string): string {
    return generateURI({ issuer: 'Doorstep', label, secret });
  }

  encrypt(userId: string, secret: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.config.mfa.encryptionKey, nonce);
    cipher.setAAD(Buffer.from(`totp:${userId}`));
    const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), ct]);
  }

  decrypt(userId: string, blob: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.config.mfa.encryptionKey, blob.subarray(0, 12));
    decipher.setAAD(Buffer.from(`totp:${userId}`));
    decipher.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** The time step a valid code belongs to, or null. Replay protection is the caller's UPDATE. */
  async check(secret: string, code: string): Promise<number | null> {
    if (!/^\d{6}$/.test(code)) return null;
    const epoch = Math.floor(this.clock.nowMs() / 1000);
    const result = await verify({ secret, token: code, epoch, epochTolerance: STEP_SECONDS });
    return result.valid ? Math.floor(epoch / STEP_SECONDS) + result.delta : null;
  }

  /** Test support: the code for a moment in time. */
  async codeAt(secret: string, epochSeconds: number): Promise<string> {
    return generate({ secret, epoch: epochSeconds });
  }

  newRecoveryCodes(): string[] {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    return Array.from({ length: 10 }, () => {
      const bytes = randomBytes(16);
      // 16 symbols of 5 bits = 80 bits
      const chars = Array.from(bytes, (b) => alphabet[b & 31]).join('');
      return chars.match(/.{4}/g)!.join('-');
    });
  }
}
