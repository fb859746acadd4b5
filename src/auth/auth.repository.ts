import { Injectable } from '@nestjs/common';
import pg, { type QueryResult, type QueryResultRow } from 'pg';
import { DomainError } from '../common/errors.js';
import type { Role } from '../config/app-config.js';
import type { Db } from '../database/db.service.js';
import { isUnavailable } from '../database/pg-errors.js';
import type { Tx } from '../database/tx.js';

export interface LoginUserRow {
  id: string;
  username: string;
  displayName: string;
  organisationId: string;
  roles: Role[];
  districtIds: string[];
  active: boolean;
  passwordHash: string;
  mfaEnrolled: boolean;
  totpSecretEnc: Buffer | null;
  rightsVersion: number;
  orgActive: boolean;
}

export interface SessionPrincipalRow {
  sessionId: string;
  userId: string;
  roles: Role[];
  districtIds: string[];
  organisationId: string;
  rightsVersion: number;
  active: boolean;
  orgActive: boolean;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  mfaVerifiedAt: Date | null;
  authMethod: 'password' | 'password+totp';
  restricted: boolean;
}

export interface ApiKeyPrincipalRow {
  id: string;
  secretSha256: Buffer;
  organisationId: string;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  orgActive: boolean;
  canRefer: boolean;
  covenantSignedAt: Date | null;
}

export interface ThrottleRow {
  key: string;
  failures: number;
  windowStart: Date;
  lastFailureAt: Date | null;
  blockedUntil: Date | null;
  locked: boolean;
}

const USER_COLUMNS = `u.id, u.username, u.display_name AS "displayName", u.organisation_id AS "organisationId", u.roles,
  u.district_ids AS "districtIds", u.active, u.password_hash AS "passwordHash", u.mfa_enrolled AS "mfaEnrolled",
  u.totp_secret_enc AS "totpSecretEnc", u.rights_version AS "rightsVersion", o.active AS "orgActive"`;

const SESSION_PRINCIPAL = (key: string) => `SELECT s.id AS "sessionId", u.id AS "userId", u.roles, u.district_ids AS "districtIds", u.organisation_id AS "organisationId",
         u.rights_version AS "rightsVersion", u.active, o.active AS "orgActive", s.last_seen_at AS "lastSeenAt",
         s.expires_at AS "expiresAt", s.revoked_at AS "revokedAt", s.mfa_verified_at AS "mfaVerifiedAt",
         s.auth_method AS "authMethod", s.restricted
    FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id
   WHERE s.token_sha256 = ${key}`;

const API_KEY_PRINCIPAL = (key: string) => `SELECT k.id, k.secret_sha256 AS "secretSha256", k.organisation_id AS "organisationId", k.expires_at AS "expiresAt",
         k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt", o.active AS "orgActive", o.can_refer AS "canRefer",
         o.covenant_signed_at AS "covenantSignedAt"
    FROM api_keys k JOIN organisations o ON o.id = k.organisation_id WHERE k.key_id = ${key}`;

/** SQL for authentication: users by name, sessions by token digest, API keys, throttles, recovery codes. */
@Injectable()
export class AuthRepository {
  private appRole: Promise<string | null> | null = null;

  async userByUsername(tx: Tx, username: string): Promise<LoginUserRow | null> {
    return tx.one<LoginUserRow>(`SELECT ${USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = $1`, [username]);
  }

  async userById(tx: Tx, id: string): Promise<LoginUserRow | null> {
    return tx.one<LoginUserRow>(`SELECT ${USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1`, [id]);
  }

  async updatePasswordHash(tx: Tx, userId: string, hash: string): Promise<void> {
    await tx.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, hash]);
  }

  async markLogin(tx: Tx, userId: string, at: Date): Promise<void> {
    await tx.exec(`UPDATE users SET last_login_at = $2 WHERE id = $1`, [userId, at]);
  }

  async createSession(
    tx: Tx,
    s: { userId: string; tokenSha256: Buffer; now: Date; expiresAt: Date; authMethod: string; mfaVerifiedAt: Date | null; restricted: boolean },
  ): Promise<string> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO sessions (user_id, token_sha256, created_at, last_seen_at, expires_at, auth_method, mfa_verified_at, restricted)
       VALUES ($1, $2, $3, $3, $4, $5, $6, $7) RETURNING id`,
      [s.userId, s.tokenSha256, s.now, s.expiresAt, s.authMethod, s.mfaVerifiedAt, s.restricted],
    );
    return row!.id;
  }

  /**
   * The session behind a token digest, its user's current rights and whether the account and its
   * organisation are still active: one round trip per request (see `principal`).
   */
  async sessionByToken(db: Db, tokenSha256: Buffer): Promise<SessionPrincipalRow | null> {
    return this.principal<SessionPrincipalRow>(db, 'auth-session-by-token', SESSION_PRINCIPAL, [tokenSha256], `decode('${tokenSha256.toString('hex')}', 'hex')`);
  }

  async touchSession(tx: Tx, sessionId: string, at: Date): Promise<void> {
    await tx.exec(`UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2`, [sessionId, at]);
  }

  async revokeSession(tx: Tx, sessionId: string, at: Date): Promise<void> {
    await tx.exec(`UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [sessionId, at]);
  }

  async revokeAllSessions(tx: Tx, userId: string, at: Date): Promise<number> {
    return tx.exec(`UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [userId, at]);
  }

  async markStepUp(tx: Tx, sessionId: string, at: Date): Promise<void> {
    await tx.exec(`UPDATE sessions SET mfa_verified_at = $2 WHERE id = $1`, [sessionId, at]);
  }

  /** The API key behind a key id and its organisation's state: one round trip per request (see `principal`). */
  async apiKeyByKeyId(db: Db, keyId: string): Promise<ApiKeyPrincipalRow | null> {
    return this.principal<ApiKeyPrincipalRow>(db, 'auth-api-key-by-key-id', API_KEY_PRINCIPAL, [keyId], pg.escapeLiteral(keyId));
  }

  /**
   * Principal lookups run on every request, so they take one round trip and no transaction, yet run as
   * the role `db.tx` runs as. When the pool logs in as that role (production logs in as doorstep_app):
   * a named prepared statement. Otherwise (dev and tests log in as a superuser, the benchmark as a member
   * role) one simple-protocol message `SET LOCAL ROLE …; SELECT …`: the statements of one message form
   * one implicit transaction, so the role ends with it. That protocol takes no bind parameters, so the
   * key is inlined as a literal: a digest the server computed, or a key id of a checked alphabet, escaped.
   */
  private async principal<T extends QueryResultRow>(db: Db, name: string, sql: (key: string) => string, values: unknown[], literal: string): Promise<T | null> {
    const role = await this.lookupRole(db);
    try {
      if (role === null) return (await db.pool.query<T>({ name, text: sql('$1'), values })).rows[0] ?? null;
      const results = (await db.pool.query(`SET LOCAL ROLE ${pg.escapeIdentifier(role)}; ${sql(literal)}`)) as unknown as Array<QueryResult<T>>;
      return results[1].rows[0] ?? null;
    } catch (err) {
      // Outside db.tx, so its mapping applies here: an unreachable database or an exhausted pool is 503.
      if (isUnavailable(err)) throw new DomainError('UNAVAILABLE', 'The database is temporarily unavailable', { retryAfterSeconds: 2 });
      throw err;
    }
  }

  /** The role `db.tx` switches to, or null when the pool already logs in as it; asked once (again after a failure). */
  private lookupRole(db: Db): Promise<string | null> {
    this.appRole ??= db
      .tx(null, (tx) => tx.one<{ role: string; login: string }>('SELECT current_user AS role, session_user AS login'))
      .then((r) => (r!.role === r!.login ? null : r!.role))
      .catch((err: unknown) => {
        this.appRole = null;
        throw err;
      });
    return this.appRole;
  }

  async touchApiKey(tx: Tx, id: string, at: Date): Promise<void> {
    await tx.exec(`UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, [id, at]);
  }

  // --- MFA ---

  async storePendingTotp(tx: Tx, userId: string, enc: Buffer, keyId: string): Promise<void> {
    await tx.exec(`UPDATE users SET totp_secret_enc = $2, totp_key_id = $3, mfa_enrolled = false, totp_last_step = NULL WHERE id = $1`, [userId, enc, keyId]);
  }

  /** False when another request activated it first. */
  async activateTotp(tx: Tx, userId: string): Promise<boolean> {
    return (await tx.exec(`UPDATE users SET mfa_enrolled = true, rights_version = rights_version + 1 WHERE id = $1 AND NOT mfa_enrolled AND totp_secret_enc IS NOT NULL`, [userId])) === 1;
  }

  /** Replay protection: a code is accepted only for a time step later than the last accepted one. */
  async claimTotpStep(tx: Tx, userId: string, step: number): Promise<boolean> {
    const n = await tx.exec(`UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`, [userId, step]);
    return n === 1;
  }

  async replaceRecoveryCodes(tx: Tx, userId: string, hashes: string[]): Promise<void> {
    await tx.exec(`DELETE FROM recovery_codes WHERE user_id = $1`, [userId]);
    await tx.exec(`INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`, [userId, hashes]);
  }

  async unusedRecoveryCodes(tx: Tx, userId: string): Promise<Array<{ id: string; codeHash: string }>> {
    return tx.query(`SELECT id, code_hash AS "codeHash" FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL FOR UPDATE`, [userId]);
  }

  async useRecoveryCode(tx: Tx, id: string, at: Date): Promise<boolean> {
    return (await tx.exec(`UPDATE recovery_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL`, [id, at])) === 1;
  }

  // --- throttling ---

  async throttles(tx: Tx, keys: string[]): Promise<ThrottleRow[]> {
    return tx.query<ThrottleRow>(
      `SELECT key, failures, window_start AS "windowStart", last_failure_at AS "lastFailureAt", blocked_until AS "blockedUntil", locked
         FROM login_throttles WHERE key = ANY($1)`,
      [keys],
    );
  }

  /** Locks (creating if needed) the throttle row, so concurrent failures each count. */
  async lockThrottle(tx: Tx, key: string, now: Date): Promise<ThrottleRow> {
    await tx.exec(`INSERT INTO login_throttles (key, failures, window_start) VALUES ($1, 0, $2) ON CONFLICT (key) DO NOTHING`, [key, now]);
    const row = await tx.one<ThrottleRow>(
      `SELECT key, failures, window_start AS "windowStart", last_failure_at AS "lastFailureAt", blocked_until AS "blockedUntil", locked
         FROM login_throttles WHERE key = $1 FOR UPDATE`,
      [key],
    );
    return row!;
  }

  async upsertThrottle(tx: Tx, row: ThrottleRow): Promise<void> {
    await tx.exec(
      `INSERT INTO login_throttles (key, failures, window_start, last_failure_at, blocked_until, locked) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key) DO UPDATE SET failures = EXCLUDED.failures, window_start = EXCLUDED.window_start,
         last_failure_at = EXCLUDED.last_failure_at, blocked_until = EXCLUDED.blocked_until, locked = EXCLUDED.locked`,
      [row.key, row.failures, row.windowStart, row.lastFailureAt, row.blockedUntil, row.locked],
    );
  }

  async clearThrottle(tx: Tx, key: string): Promise<void> {
    await tx.exec(`DELETE FROM login_throttles WHERE key = $1`, [key]);
  }
}
