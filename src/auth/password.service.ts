import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { FieldError } from '../common/errors.js';

/**
 * argon2id with at least OWASP's minimum (19 MiB, t = 2, p = 1). A dummy hash computed at start-up is
 * verified for unknown users so that the answer takes as long as for a wrong password.
 */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash = '';
  private readonly common = new Set<string>((dictionary as Record<string, string[]>)['passwords-common'] ?? []);
  /** Test support: how many argon2 operations ran (throttled attempts must not hash). */
  hashOperations = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await argon2.hash(randomBytes(24).toString('base64'), this.options());
  }

  private options() {
    return {
      type: argon2.argon2id,
      memoryCost: this.config.argon2.memoryKiB,
      timeCost: this.config.argon2.timeCost,
      parallelism: this.config.argon2.parallelism,
    };
  }

  async hash(password: string): Promise<string> {
    this.hashOperations++;
    return argon2.hash(password, this.options());
  }

  /** Verifies against the stored hash, or against the dummy hash when there is none. */
  async verify(hash: string | null, password: string): Promise<boolean> {
    this.hashOperations++;
    try {
      const ok = await argon2.verify(hash ?? this.dummyHash, password);
      return hash !== null && ok;
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.options());
  }

  /** NIST-style policy: length 15–128, no composition rules, not a common password, not the username. */
  check(password: string, context: { username: string; organisationName?: string }): FieldError[] {
    const errors: FieldError[] = [];
    if (password.length < 15) errors.push({ field: 'password', code: 'TOO_SHORT', message: 'Use at least 15 characters' });
    if (password.length > 128) errors.push({ field: 'password', code: 'TOO_LONG', message: 'Use at most 128 characters' });
    const lower = password.toLowerCase();
    if (this.common.has(lower)) errors.push({ field: 'password', code: 'COMMON_PASSWORD', message: 'This password is too common' });
    const parts = [context.username, context.organisationName].filter((p): p is string => Boolean(p && p.length >= 3));
    if (parts.some((p) => lower.includes(p.toLowerCase()))) {
      errors.push({ field: 'password', code: 'CONTAINS_ACCOUNT_NAME', message: 'The password must not contain the username or organisation name' });
    }
    return errors;
  }
}
