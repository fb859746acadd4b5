import { Injectable } from '@nestjs/common';
import { selectFacts, type FactMap } from '../../authorization/sql-scope.js';
import { SqlParams } from '../../database/sql-params.js';
import type { Tx } from '../../database/tx.js';

export interface ProjectRow {
  id: string;
  title: string;
  dacReference: string;
  purpose: string;
  legalRoute: string;
  ethicsReference: string | null;
  includesSensitive: boolean;
  status: string;
  modes: string[];
  finestLevels: Record<string, number>;
  exportColumns: string[];
  startsAt: Date;
  expiresAt: Date;
  keyId: string | null;
  saltDestroyedAt: Date | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  endedAt: Date | null;
  createdBy: string;
  createdAt: Date;
  version: number;
  members: Array<{ userId: string; confidentialitySignedOn: string }>;
  /** Access facts the CASL rules test (research.policy.ts) */
  member: boolean;
  draftedByActor: boolean;
}

export interface ProjectWrite {
  title: string;
  dacReference: string;
  purpose: string;
  legalRoute: string;
  ethicsReference: string | null;
  includesSensitive: boolean;
  modes: string[];
  finestLevels: Record<string, number>;
  exportColumns: string[];
  expiresAt: string;
}

const COLUMNS = `p.id, p.title, p.dac_reference AS "dacReference", p.purpose, p.legal_route AS "legalRoute",
  p.ethics_reference AS "ethicsReference", p.includes_sensitive AS "includesSensitive", p.status, p.modes,
  p.finest_levels AS "finestLevels", p.export_columns AS "exportColumns", p.starts_at AS "startsAt",
  p.expires_at AS "expiresAt", p.key_id AS "keyId", p.salt_destroyed_at AS "saltDestroyedAt", p.approved_by AS "approvedBy",
  p.approved_at AS "approvedAt", p.ended_at AS "endedAt", p.created_by AS "createdBy", p.created_at AS "createdAt", p.version,
  COALESCE((SELECT json_agg(json_build_object('userId', m.user_id, 'confidentialitySignedOn', to_char(m.confidentiality_signed_on, 'YYYY-MM-DD')) ORDER BY m.user_id)
              FROM research_project_members m WHERE m.project_id = p.id), '[]'::json) AS members`;

/** Access facts of a project over alias `p`, for the caller, whose id is bound into `params` (one plan for every caller). */
export function projectFacts(params: SqlParams, userId: string | null): FactMap {
  const me = userId ? `${params.add(userId)}::uuid` : 'NULL::uuid';
  return {
    member: `EXISTS (SELECT 1 FROM research_project_members m WHERE m.project_id = p.id AND m.user_id = ${me})`,
    draftedByActor: `p.created_by = ${me}`,
    status: 'p.status',
  };
}

@Injectable()
export class ResearchProjectsRepository {
  async insert(tx: Tx, w: ProjectWrite, createdBy: string): Promise<string> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO research_projects (title, dac_reference, purpose, legal_route, ethics_reference, includes_sensitive, modes, finest_levels, export_columns, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [w.title, w.dacReference, w.purpose, w.legalRoute, w.ethicsReference, w.includesSensitive, w.modes, JSON.stringify(w.finestLevels), w.exportColumns, w.expiresAt, createdBy],
    );
    return row!.id;
  }

  async get(tx: Tx, id: string, actorUserId: string | null, forUpdate = false): Promise<ProjectRow | null> {
    const p = new SqlParams([id]);
    return tx.one<ProjectRow>(`SELECT ${COLUMNS}, ${selectFacts(projectFacts(p, actorUserId))} FROM research_projects p WHERE p.id = $1${forUpdate ? ' FOR UPDATE' : ''}`, p.values);
  }

  async list(tx: Tx, scope: string, p: SqlParams, after: [string, string] | null, limit: number, actorUserId: string | null): Promise<ProjectRow[]> {
    const where = [scope];
    if (after) where.push(`(p.created_at, p.id) < (${p.add(after[0])}::timestamptz, ${p.add(after[1])}::uuid)`);
    return tx.query<ProjectRow>(
      `SELECT ${COLUMNS}, ${selectFacts(projectFacts(p, actorUserId))} FROM research_projects p WHERE ${where.join(' AND ')}
        ORDER BY p.created_at DESC, p.id DESC LIMIT ${p.add(limit + 1)}`,
      p.values,
    );
  }

  /** Compare-and-swap update of the given columns; false when the version moved on. */
  async update(tx: Tx, id: string, version: number, set: Record<string, unknown>): Promise<boolean> {
    const p = new SqlParams([id, version]);
    const assignments = Object.entries(set).map(([column, value]) => `${column} = ${p.add(value)}`);
    return (await tx.exec(`UPDATE research_projects SET ${[...assignments, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1 AND version = $2`, p.values)) === 1;
  }

  async replaceMembers(tx: Tx, id: string, members: Array<{ userId: string; confidentialitySignedOn: string }>): Promise<void> {
    await tx.exec(`DELETE FROM research_project_members WHERE project_id = $1`, [id]);
    if (members.length === 0) return;
    await tx.exec(
      `INSERT INTO research_project_members (project_id, user_id, confidentiality_signed_on)
       SELECT $1, u, d FROM unnest($2::uuid[], $3::date[]) AS t(u, d)`,
      [id, members.map((m) => m.userId), members.map((m) => m.confidentialitySignedOn)],
    );
  }

  /** Ids of the given users that are active researchers. */
  async activeResearchers(tx: Tx, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await tx.query<{ id: string }>(`SELECT id FROM users WHERE id = ANY($1::uuid[]) AND active AND 'researcher' = ANY(roles)`, [userIds]);
    return new Set(rows.map((r) => r.id));
  }

  /** Projects whose salt must go: ended ones, and expired ones past the grace period. */
  async saltsToShred(tx: Tx, graceDays: number): Promise<Array<{ id: string; keyId: string }>> {
    return tx.query(
      `SELECT id, key_id AS "keyId" FROM research_projects
        WHERE key_id IS NOT NULL AND (salt_destroyed_at IS NOT NULL OR status = 'ENDED' OR expires_at < now() - make_interval(days => $1))`,
      [graceDays],
    );
  }

  async markShredded(tx: Tx, id: string): Promise<void> {
    await tx.exec(`UPDATE research_projects SET salt_destroyed_at = COALESCE(salt_destroyed_at, now()), updated_at = now() WHERE id = $1`, [id]);
  }
}
