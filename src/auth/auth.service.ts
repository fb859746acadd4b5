import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Actor, RequestMeta } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig, type Role } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import type { Tx } from '../database/tx.js';
import { AuthError, badCredentials } from './auth.errors.js';
import { AuthRepository, type LoginUserRow } from './auth.repository.js';
import type { ActivateMfaDto, LoginDto, TotpDto } from './dto/login.dto.js';
import type { LoginResponse, MeResponse, MfaActivateResponse, MfaEnrollResponse, StepUpResponse } from './dto/auth.response.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordService } from './password.service.js';
import { digestEquals, newSessionToken, parseBearer, sha256 } from './token.js';
import { TotpService } from './totp.service.js';

const normaliseUsername = (u: string) => u.trim().toLowerCase();

@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly db: Db,
    private readonly repo: AuthRepository,
    private readonly passwords: PasswordService,
    private readonly totp: TotpService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private mfaRequired(roles: Role[]): boolean {
    return this.config.mfa.enforce && roles.some((r) => this.config.mfa.requiredRoles.includes(r));
  }

  /** Password (and TOTP where required). Unknown users and wrong passwords get the same answer and timing. */
  async login(meta: RequestMeta, dto: LoginDto): Promise<LoginResponse> {
    const username = normaliseUsername(dto.username);
    const keys = this.throttle.keys(username, meta.ip);
    const user = await this.db.tx(null, async (tx) => {
      await this.throttle.assertAllowed(tx, [keys.account, ...(keys.ip ? [keys.ip] : [])]);
      return this.repo.userByUsername(tx, username);
    });
    const usable = user && user.active && user.orgActive ? user : null;
    // Hash outside any transaction: no pooled connection waits on argon2.
    const passwordOk = await this.passwords.verify(usable?.passwordHash ?? null, dto.password);
    if (!usable || !passwordOk) {
      await this.recordLoginFailure(meta, keys, user?.id ?? null);
      throw badCredentials();
    }

    let authMethod: 'password' | 'password+totp' = 'password';
    let mfaVerifiedAt: Date | null = null;
    const needsMfa = this.mfaRequired(usable.roles) || (usable.mfaEnrolled && this.config.mfa.enforce);
    let restricted = false;
    if (needsMfa && usable.mfaEnrolled) {
      if (!dto.totp && !dto.recoveryCode) {
        throw new AuthError('MFA_REQUIRED', 'A TOTP code is required for this account');
      }
      const ok = await this.db.tx(null, (tx) => this.verifySecondFactor(tx, usable, dto));
      if (!ok) {
        await this.recordLoginFailure(meta, keys, usable.id);
        throw badCredentials();
      }
      authMethod = 'password+totp';
      mfaVerifiedAt = this.clock.now();
    } else if (needsMfa) {
      restricted = true;
    } else if (usable.mfaEnrolled && (dto.totp || dto.recoveryCode)) {
      const ok = await this.db.tx(null, (tx) => this.verifySecondFactor(tx, usable, dto));
      if (ok) {
        authMethod = 'password+totp';
        mfaVerifiedAt = this.clock.now();
      }
    }

    const rehash = this.passwords.needsRehash(usable.passwordHash) ? await this.passwords.hash(dto.password) : null;
    const now = this.clock.now();
    const { token, digest } = newSessionToken();
    const expiresAt = new Date(now.getTime() + this.config.session.absoluteHours * 3_600_000);
    const sessionActor = this.actorFor(meta, usable, { authMethod, mfaVerifiedAt, restricted, sessionId: null });
    await this.db.tx(sessionActor, async (tx) => {
      sessionActor.sessionId = await this.repo.createSession(tx, { userId: usable.id, tokenSha256: digest, now, expiresAt, authMethod, mfaVerifiedAt, restricted });
      if (rehash) await this.repo.updatePasswordHash(tx, usable.id, rehash);
      await this.repo.markLogin(tx, usable.id, now);
      await this.throttle.succeed(tx, keys.account);
      await this.audit.record(tx, { action: 'LOGIN', objectType: 'Session', objectIds: [sessionActor.sessionId, usable.id] });
    });
    return { token, expiresAt: expiresAt.toISOString(), user: this.me(usable, restricted) };
  }

  private async recordLoginFailure(meta: RequestMeta, keys: { account: string; ip: string | null }, userId: string | null): Promise<void> {
    const anonymous = this.anonymousActor(meta);
    await this.db.tx(anonymous, async (tx) => {
      await this.throttle.failConsecutive(tx, keys.account);
      if (keys.ip) await this.throttle.failWindowed(tx, keys.ip);
      await this.audit.record(tx, { action: 'LOGIN', objectType: 'Session', objectIds: [userId], outcome: 'denied', httpStatus: 401, errorCode: 'UNAUTHENTICATED' });
    });
  }

  /** TOTP (±1 step, never the same step twice) or a single-use recovery code. */
  private async verifySecondFactor(tx: Tx, user: LoginUserRow, dto: { totp?: string; recoveryCode?: string }): Promise<boolean> {
    await this.throttle.assertAllowed(tx, [`totp:${user.id}`]);
    if (dto.totp && user.totpSecretEnc) {
      const step = await this.totp.check(this.totp.decrypt(user.id, user.totpSecretEnc), dto.totp);
      if (step !== null && (await this.repo.claimTotpStep(tx, user.id, step))) return true;
    } else if (dto.recoveryCode) {
      for (const rc of await this.repo.unusedRecoveryCodes(tx, user.id)) {
        if (await this.passwords.verify(rc.codeHash, dto.recoveryCode)) return this.repo.useRecoveryCode(tx, rc.id, this.clock.now());
      }
    }
    return false;
  }

  async logout(actor: Actor): Promise<void> {
    if (!actor.sessionId) return;
    await this.db.tx(actor, async (tx) => {
      await this.repo.revokeSession(tx, actor.sessionId!, this.clock.now());
      await this.audit.record(tx, { action: 'LOGOUT', objectType: 'Session', objectIds: [actor.sessionId] });
    });
  }

  async whoAmI(actor: Actor): Promise<MeResponse> {
    if (actor.type !== 'user') throw new AuthError('FORBIDDEN', 'API keys have no account');
    const user = await this.db.tx(actor, (tx) => this.repo.userById(tx, actor.userId!));
    if (!user) throw new AuthError('UNAUTHENTICATED', 'Authentication required');
    return this.me(user, actor.restricted);
  }

  private me(u: LoginUserRow, restricted: boolean): MeResponse {
    return {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      roles: u.roles,
      organisationId: u.organisationId,
      districtIds: u.districtIds,
      mfaEnrolled: u.mfaEnrolled,
      mfaEnrolmentRequired: restricted,
    };
  }

  async enrollMfa(actor: Actor): Promise<MfaEnrollResponse> {
    const userId = this.requireUser(actor);
    return this.db.tx(actor, async (tx) => {
      const user = await this.repo.userById(tx, userId);
      if (!user) throw new AuthError('UNAUTHENTICATED', 'Authentication required');
      if (user.mfaEnrolled) throw new AuthError('CONFLICT', 'MFA is already active for this account');
      const secret = this.totp.newSecret();
      await this.repo.storePendingTotp(tx, userId, this.totp.encrypt(userId, secret), this.totp.keyId);
      await this.audit.record(tx, { action: 'MFA', objectType: 'User', objectIds: [userId], authzRule: 'enroll' });
      return { secret, otpauthUrl: this.totp.otpauthUrl(secret, user.username) };
    });
  }

  /**
   * Confirms the enrolment with a first code, issues recovery codes and rotates the session. The code
   * is checked before any recovery code is hashed, so a wrong or repeated call costs no argon2 work.
   */
  async activateMfa(actor: Actor, dto: ActivateMfaDto): Promise<MfaActivateResponse> {
    const userId = this.requireUser(actor);
    await this.db.tx(actor, async (tx) => {
      const user = await this.repo.userById(tx, userId);
      if (!user || !user.totpSecretEnc) throw new AuthError('CONFLICT', 'Start enrolment first');
      if (user.mfaEnrolled) throw new AuthError('CONFLICT', 'MFA is already active for this account');
      const step = await this.totp.check(this.totp.decrypt(userId, user.totpSecretEnc), dto.totp);
      if (step === null || !(await this.repo.claimTotpStep(tx, userId, step))) throw new AuthError('UNAUTHENTICATED', 'The code is not valid');
    });
    const codes = this.totp.newRecoveryCodes();
    const hashes = await Promise.all(codes.map((c) => this.passwords.hash(c)));
    const { token, digest } = newSessionToken();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.session.absoluteHours * 3_600_000);
    await this.db.tx(actor, async (tx) => {
      if (!(await this.repo.activateTotp(tx, userId))) throw new AuthError('CONFLICT', 'MFA is already active for this account');
      await this.repo.replaceRecoveryCodes(tx, userId, hashes);
      if (actor.sessionId) await this.repo.revokeSession(tx, actor.sessionId, now);
      const sessionId = await this.repo.createSession(tx, { userId, tokenSha256: digest, now, expiresAt, authMethod: 'password+totp', mfaVerifiedAt: now, restricted: false });
      await this.audit.record(tx, { action: 'MFA', objectType: 'User', objectIds: [userId, sessionId], authzRule: 'activate' });
    });
    return { recoveryCodes: codes, token, expiresAt: expiresAt.toISOString() };
  }

  /** A fresh second factor opens a 10-minute window for exports and break-glass. */
  async stepUp(actor: Actor, dto: TotpDto): Promise<StepUpResponse> {
    const userId = this.requireUser(actor);
    if (!dto.totp && !dto.recoveryCode) throw new AuthError('VALIDATION_FAILED', 'totp or recoveryCode is required', { errors: [{ field: 'totp', code: 'REQUIRED', message: 'totp or recoveryCode is required' }] });
    const user = await this.db.tx(actor, (tx) => this.repo.userById(tx, userId));
    if (!user?.mfaEnrolled) throw new AuthError('CONFLICT', 'Enrol in MFA first');
    const ok = await this.db.tx(actor, (tx) => this.verifySecondFactor(tx, user, dto));
    const now = this.clock.now();
    await this.db.tx(actor, async (tx) => {
      if (ok) await this.repo.markStepUp(tx, actor.sessionId!, now);
      else await this.throttle.failConsecutive(tx, `totp:${userId}`);
      await this.audit.record(tx, {
        action: 'STEP_UP',
        objectType: 'Session',
        objectIds: [actor.sessionId],
        ...(ok ? {} : { outcome: 'denied' as const, httpStatus: 401, errorCode: 'UNAUTHENTICATED' }),
      });
    });
    if (!ok) throw new AuthError('UNAUTHENTICATED', 'The code is not valid');
    return { validUntil: new Date(now.getTime() + this.config.mfa.stepUpMinutes * 60_000).toISOString() };
  }

  /** Throws 401 STEP_UP_REQUIRED unless the session verified a second factor within the window. */
  assertFreshMfa(actor: Actor): void {
    const windowMs = this.config.mfa.stepUpMinutes * 60_000;
    if (!actor.mfaVerifiedAt || this.clock.nowMs() - actor.mfaVerifiedAt.getTime() > windowMs) {
      throw new AuthError('STEP_UP_REQUIRED', `This action needs a second factor within the last ${this.config.mfa.stepUpMinutes} minutes (POST /auth/step-up)`);
    }
  }

  private requireUser(actor: Actor): string {
    if (actor.type !== 'user' || !actor.userId) throw new AuthError('FORBIDDEN', 'Only user accounts have MFA');
    return actor.userId;
  }

  /**
   * Resolves a bearer token to an actor on every request: one indexed lookup that also reads the
   * user's current roles, districts and status, so logout, deactivation and rights changes act at once.
   * The lookup is one round trip outside any transaction (AuthRepository.principal); the rare
   * last-seen/last-used touch still goes through db.tx.
   */
  async authenticate(token: string, meta: RequestMeta): Promise<Actor> {
    const parsed = parseBearer(token);
    if (!parsed) throw new AuthError('UNAUTHENTICATED', 'Authentication required');
    const now = this.clock.now();
    if (parsed.kind === 'session') {
      const s = await this.repo.sessionByToken(this.db, parsed.digest);
      const idleMs = this.config.session.idleMinutes * 60_000;
      if (!s || s.revokedAt || !s.active || !s.orgActive || s.expiresAt.getTime() <= now.getTime() || now.getTime() - s.lastSeenAt.getTime() > idleMs) {
        throw new AuthError('UNAUTHENTICATED', 'The session has ended; log in again');
      }
      if (now.getTime() - s.lastSeenAt.getTime() >= this.config.session.lastSeenRefreshSeconds * 1000) {
        await this.db.tx(null, (tx) => this.repo.touchSession(tx, s.sessionId, now));
      }
      return {
        type: 'user',
        userId: s.userId,
        apiKeyId: null,
        roles: s.roles,
        organisationId: s.organisationId,
        districtIds: s.districtIds,
        sessionId: s.sessionId,
        authMethod: s.authMethod,
        mfaVerifiedAt: s.mfaVerifiedAt,
        rightsVersion: s.rightsVersion,
        restricted: s.restricted,
        request: meta,
      };
    }
    const k = await this.repo.apiKeyByKeyId(this.db, parsed.keyId);
    if (!k || k.revokedAt || !k.orgActive || k.expiresAt.getTime() <= now.getTime() || !digestEquals(k.secretSha256, sha256(parsed.secret))) {
      throw new AuthError('UNAUTHENTICATED', 'The API key is not valid');
    }
    if (!k.lastUsedAt || now.getTime() - k.lastUsedAt.getTime() > 60_000) {
      await this.db.tx(null, (tx) => this.repo.touchApiKey(tx, k.id, now));
    }
    return {
      type: 'api_key',
      userId: null,
      apiKeyId: k.id,
      roles: ['referrer'],
      organisationId: k.organisationId,
      districtIds: [],
      sessionId: null,
      authMethod: 'api_key',
      mfaVerifiedAt: null,
      rightsVersion: 0,
      restricted: false,
      request: meta,
    };
  }

  private actorFor(meta: RequestMeta, u: LoginUserRow, s: { authMethod: 'password' | 'password+totp'; mfaVerifiedAt: Date | null; restricted: boolean; sessionId: string | null }): Actor {
    return {
      type: 'user',
      userId: u.id,
      apiKeyId: null,
      roles: u.roles,
      organisationId: u.organisationId,
      districtIds: u.districtIds,
      sessionId: s.sessionId,
      authMethod: s.authMethod,
      mfaVerifiedAt: s.mfaVerifiedAt,
      rightsVersion: u.rightsVersion,
      restricted: s.restricted,
      request: { ...meta, purpose: 'ADMINISTRATION' },
    };
  }

  anonymousActor(meta: RequestMeta): Actor {
    return {
      type: 'anonymous',
      userId: null,
      apiKeyId: null,
      roles: [],
      organisationId: null,
      districtIds: [],
      sessionId: null,
      authMethod: 'none',
      mfaVerifiedAt: null,
      rightsVersion: 0,
      restricted: false,
      request: { ...meta, purpose: meta.purpose ?? 'ADMINISTRATION' },
    };
  }
}
