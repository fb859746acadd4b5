import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/tx.js';

export interface GrantRow {
  id: string;
  caseId: string;
  subjectId: string;
  userId: string;
  reason: string;
  grantedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  reviewedAt: Date | null;
  reviewedBy: string | null;
  reviewOutcome: string | null;
  reviewNote: string | null;
  eventCount: number;
}

const COLUMNS = `g.id, g.case_id AS "caseId", c.subject_id AS "subjectId", g.user_id AS "userId", g.reason, g.granted_at AS "grantedAt",
  g.expires_at AS "expiresAt", g.revoked_at AS "revokedAt", g.reviewed_at AS "reviewedAt", g.reviewed_by AS "reviewedBy",
  g.review_outcome AS "reviewOutcome", g.review_note AS "reviewNote",
  (SELECT count(*)::int FROM audit_events e WHERE e.break_glass_grant_id = g.id) AS "eventCount"`;

@Injectable()
export class BreakGlassRepository {
  async caseForGrant(tx: Tx, caseId: string): Promise<{ id: string; subjectId: string; districtId: string } | null> {
    return tx.one(`SELECT id, subject_id AS "subjectId", district_id AS "districtId" FROM cases WHERE id = $1`, [caseId]);
  }

  async grantsLastDay(tx: Tx, userId: string): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM break_glass_grants WHERE user_id = $1 AND granted_at > now() - interval '24 hours'`, [userId]))!.n;
  }

  async insert(tx: Tx, g: { caseId: string; userId: string; reason: string; reasonSha256: Buffer; minutes: number }): Promise<{ id: string; expiresAt: Date }> {
    return (await tx.one(
      `INSERT INTO break_glass_grants (case_id, user_id, reason, reason_sha256, granted_at, expires_at)
       VALUES ($1, $2, $3, $4, now(), now() + make_interval(mins => $5::int)) RETURNING id, expires_at AS "expiresAt"`,
      [g.caseId, g.userId, g.reason, g.reasonSha256, g.minutes],
    ))!;
  }

  async list(tx: Tx, reviewed: boolean | undefined, after: [string, string] | null, limit: number): Promise<GrantRow[]> {
    const where: string[] = ['TRUE'];
    const params: unknown[] = [];
    if (reviewed !== undefined) where.push(reviewed ? 'g.reviewed_at IS NOT NULL' : 'g.reviewed_at IS NULL');
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(g.granted_at, g.id) < ($1::timestamptz, $2::uuid)`);
    }
    params.push(limit + 1);
    return tx.query(`SELECT ${COLUMNS} FROM break_glass_grants g JOIN cases c ON c.id = g.case_id WHERE ${where.join(' AND ')} ORDER BY g.granted_at DESC, g.id DESC LIMIT $${params.length}`, params);
  }

  async get(tx: Tx, id: string): Promise<GrantRow | null> {
    return tx.one(`SELECT ${COLUMNS} FROM break_glass_grants g JOIN cases c ON c.id = g.case_id WHERE g.id = $1`, [id]);
  }

  async review(tx: Tx, id: string, by: string, outcome: string, note: string | null): Promise<boolean> {
    return (await tx.exec(`UPDATE break_glass_grants SET reviewed_at = now(), reviewed_by = $2, review_outcome = $3, review_note = $4 WHERE id = $1 AND reviewed_at IS NULL`, [id, by, outcome, note])) === 1;
  }
}
