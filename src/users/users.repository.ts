import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor.js';
import type { Role } from '../config/app-config.js';
import type { FactMap } from '../authorization/sql-scope.js';
import { selectFacts } from '../authorization/sql-scope.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  organisationId: string;
  roles: Role[];
  districtIds: string[];
  active: boolean;
  mfaEnrolled: boolean;
  lastLoginAt: Date | null;
  lastAccessReviewAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `u.id, u.username, u.display_name AS "displayName", u.organisation_id AS "organisationId", u.roles,
  u.district_ids AS "districtIds", u.active, u.mfa_enrolled AS "mfaEnrolled", u.last_login_at AS "lastLoginAt",
  u.last_access_review_at AS "lastAccessReviewAt", u.version, u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

@Injectable()
export class UsersRepository {
  /** Access facts of a user record, over alias `u`; the actor's districts are bound into `p`. */
  facts(p: SqlParams, actor: Actor): FactMap {
    return {
      id: { sql: 'u.id', type: 'uuid' },
      isVisitor: `u.roles && ARRAY['police_officer', 'youth_worker']::text[]`,
      sharesDistrict: actor.districtIds.length ? `u.district_ids && ${p.add(actor.districtIds)}::uuid[]` : 'FALSE',
    };
  }

  async accessFacts(tx: Tx, actor: Actor, id: string): Promise<Record<string, unknown> | null> {
    const p = new SqlParams([id]);
    return tx.one(`SELECT ${selectFacts(this.facts(p, actor))} FROM users u WHERE u.id = $1`, p.values);
  }

  async list(tx: Tx, scope: string, p: SqlParams, f: { role?: Role; districtId?: string; active?: boolean; after?: [string, string] | null; limit: number }): Promise<UserRow[]> {
    const where = [scope];
    if (f.role) where.push(`${p.add(f.role)} = ANY(u.roles)`);
    if (f.districtId) where.push(`${p.add(f.districtId)}::uuid = ANY(u.district_ids)`);
    if (f.active !== undefined) where.push(`u.active = ${p.add(f.active)}`);
    if (f.after) where.push(`(u.username, u.id) > (${p.add(f.after[0])}, ${p.add(f.after[1])}::uuid)`);
    return tx.query<UserRow>(`SELECT ${COLUMNS} FROM users u WHERE ${where.join(' AND ')} ORDER BY u.username, u.id LIMIT ${p.add(f.limit + 1)}`, p.values);
  }

  async get(tx: Tx, id: string): Promise<UserRow | null> {
    return tx.one<UserRow>(`SELECT ${COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  }

  async create(tx: Tx, u: { username: string; displayName: string; organisationId: string; roles: Role[]; districtIds: string[]; passwordHash: string; createdBy: string | null }): Promise<string> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO users (username, display_name, organisation_id, roles, district_ids, password_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING RETURNING id`,
      [u.username, u.displayName, u.organisationId, u.roles, u.districtIds, u.passwordHash, u.createdBy],
    );
    return row?.id ?? '';
  }

  /** Compare-and-swap on the version; a rights change also bumps rights_version for the ability cache. */
  async update(tx: Tx, id: string, version: number, patch: { displayName?: string; roles?: Role[]; districtIds?: string[]; active?: boolean }, rightsChanged: boolean): Promise<number | null> {
    const p = new SqlParams([id, version]);
    const sets = ['version = version + 1', 'updated_at = now()'];
    if (patch.displayName !== undefined) sets.push(`display_name = ${p.add(patch.displayName)}`);
    if (patch.roles !== undefined) sets.push(`roles = ${p.add(patch.roles)}`);
    if (patch.districtIds !== undefined) sets.push(`district_ids = ${p.add(patch.districtIds)}`);
    if (patch.active !== undefined) sets.push(`active = ${p.add(patch.active)}`);
    if (rightsChanged) sets.push('rights_version = rights_version + 1');
    const row = await tx.one<{ version: number }>(`UPDATE users SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING version`, p.values);
    return row?.version ?? null;
  }

  async revokeSessions(tx: Tx, userId: string, at: Date): Promise<number> {
    return tx.exec(`UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [userId, at]);
  }

  async unlock(tx: Tx, username: string): Promise<void> {
    await tx.exec(`DELETE FROM login_throttles WHERE key = $1`, [`acct:${username}`]);
  }

  async organisation(tx: Tx, id: string): Promise<{ id: string; name: string; active: boolean } | null> {
    return tx.one(`SELECT id, name, active FROM organisations WHERE id = $1`, [id]);
  }

  async districtsExist(tx: Tx, ids: string[]): Promise<boolean> {
    if (ids.length === 0) return true;
    const row = await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM areas WHERE id = ANY($1::uuid[]) AND level = 'DISTRICT'`, [ids]);
    return row!.n === ids.length;
  }
}
