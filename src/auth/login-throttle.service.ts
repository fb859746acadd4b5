import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { Tx } from '../database/tx.js';
import { AuthError } from './auth.errors.js';
import { AuthRepository } from './auth.repository.js';

/**
 * Login throttling (access-and-audit.md §3). Per account: after 5 consecutive failures the next
 * attempt waits 1 minute, doubling per failure up to 15 minutes; 100 failures lock the account until
 * an admin resets it. Per client address: 30 failures in 10 minutes block it for 10 minutes. Checked
 * before any password hashing, so a throttled guess costs nothing.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  keys(username: string, ip: string | null): { account: string; ip: string | null } {
    return { account: `acct:${username}`, ip: ip ? `ip:${ip}` : null };
  }

  /** Throws 429 with Retry-After when any of the keys is blocked. */
  async assertAllowed(tx: Tx, keys: string[]): Promise<void> {
    const now = this.clock.nowMs();
    let wait = 0;
    for (const row of await this.repo.throttles(tx, keys)) {
      if (row.locked) wait = Math.max(wait, this.config.loginThrottle.maxDelaySeconds);
      if (row.blockedUntil && row.blockedUntil.getTime() > now) wait = Math.max(wait, (row.blockedUntil.getTime() - now) / 1000);
    }
    if (wait > 0) throw new AuthError('RATE_LIMITED', 'Too many failed attempts; try again later', { retryAfterSeconds: wait });
  }

  /** Counts a consecutive failure for the key (account or TOTP user). */
  async failConsecutive(tx: Tx, key: string): Promise<void> {
    const t = this.config.loginThrottle;
    const now = this.clock.now();
    const row = await this.repo.lockThrottle(tx, key, now);
    const failures = row.failures + 1;
    let blockedUntil = row.blockedUntil;
    if (failures >= t.freeFailures) {
      const delay = Math.min(t.baseDelaySeconds * 2 ** (failures - t.freeFailures), t.maxDelaySeconds);
      blockedUntil = new Date(now.getTime() + delay * 1000);
    }
    await this.repo.upsertThrottle(tx, { ...row, failures, lastFailureAt: now, blockedUntil, locked: row.locked || failures >= t.lockAfter });
  }

  /** Counts a failure from a client address within a sliding window. */
  async failWindowed(tx: Tx, key: string): Promise<void> {
    const t = this.config.loginThrottle;
    const now = this.clock.now();
    const row = await this.repo.lockThrottle(tx, key, now);
    const windowMs = t.ipWindowMinutes * 60_000;
    const fresh = now.getTime() - row.windowStart.getTime() > windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const windowStart = fresh ? now : row.windowStart;
    const blockedUntil = failures >= t.ipMaxFailures ? new Date(now.getTime() + windowMs) : row.blockedUntil;
    await this.repo.upsertThrottle(tx, { ...row, failures, windowStart, lastFailureAt: now, blockedUntil, locked: false });
  }

  async succeed(tx: Tx, key: string): Promise<void> {
    await this.repo.clearThrottle(tx, key);
  }
}
