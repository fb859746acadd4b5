import { Injectable } from '@nestjs/common';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

export interface FollowUpRow {
  id: string;
  caseId: string;
  sequenceNo: number;
  dueAt: Date;
  occurredAt: Date | null;
  channel: string | null;
  result: string | null;
  careStatusReported: string | null;
  reApproachedByRecruiter: string | null;
  newIncidentReported: string | null;
  awarenessNow: number | null;
  needsNewCare: boolean | null;
  overdue: boolean;
  notes: string | null;
  version: number;
}

const COLUMNS = `f.id, f.case_id AS "caseId", f.sequence_no AS "sequenceNo", f.due_at AS "dueAt", f.occurred_at AS "occurredAt", f.channel, f.result,
  f.care_status_reported AS "careStatusReported", f.re_approached_by_recruiter AS "reApproachedByRecruiter",
  f.new_incident_reported AS "newIncidentReported", f.awareness_now AS "awarenessNow", f.needs_new_care AS "needsNewCare",
  (f.occurred_at IS NULL AND f.result IS NULL AND f.due_at < now()) AS overdue, f.notes, f.version`;

@Injectable()
export class FollowUpsRepository {
  async get(tx: Tx, id: string): Promise<FollowUpRow | null> {
    return tx.one(`SELECT ${COLUMNS} FROM follow_up_contacts f WHERE f.id = $1`, [id]);
  }

  async count(tx: Tx, caseId: string): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM follow_up_contacts WHERE case_id = $1`, [caseId]))!.n;
  }

  async insert(tx: Tx, caseId: string, sequenceNo: number, dueAt: Date, createdBy: string | null): Promise<string> {
    return (await tx.one<{ id: string }>(`INSERT INTO follow_up_contacts (case_id, sequence_no, due_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id`, [caseId, sequenceNo, dueAt, createdBy]))!.id;
  }

  async update(tx: Tx, id: string, version: number, patch: Record<string, unknown>): Promise<number | null> {
    const columns: Record<string, string> = {
      dueAt: 'due_at',
      occurredAt: 'occurred_at',
      channel: 'channel',
      result: 'result',
      careStatusReported: 'care_status_reported',
      reApproachedByRecruiter: 're_approached_by_recruiter',
      newIncidentReported: 'new_incident_reported',
      awarenessNow: 'awareness_now',
      needsNewCare: 'needs_new_care',
      notes: 'notes',
    };
    const p = new SqlParams([id, version]);
    const sets = ['version = version + 1', 'updated_at = now()'];
    for (const [k, col] of Object.entries(columns)) if (patch[k] !== undefined) sets.push(`${col} = ${p.add(patch[k])}`);
    const row = await tx.one<{ version: number }>(`UPDATE follow_up_contacts SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING version`, p.values);
    return row?.version ?? null;
  }

  /** Keeps the case's next-due date (list and overdue flag) in step with its contacts. */
  async refreshCaseDue(tx: Tx, caseId: string): Promise<void> {
    await tx.exec(
      `UPDATE cases SET next_follow_up_due_at = (SELECT min(due_at) FROM follow_up_contacts WHERE case_id = $1 AND occurred_at IS NULL AND result IS NULL) WHERE id = $1`,
      [caseId],
    );
  }

  async list(tx: Tx, scope: string, p: SqlParams, f: { due: 'overdue' | 'upcoming' | 'all'; includeDone: boolean; after: [string, string] | null; limit: number }) {
    const where = [scope, `c.state <> 'CLOSED'`];
    if (!f.includeDone) where.push('f.occurred_at IS NULL AND f.result IS NULL');
    if (f.due === 'overdue') where.push('f.due_at < now() AND f.occurred_at IS NULL AND f.result IS NULL');
    if (f.due === 'upcoming') where.push('f.due_at >= now()');
    if (f.after) where.push(`(f.due_at, f.id) > (${p.add(f.after[0])}::timestamptz, ${p.add(f.after[1])}::uuid)`);
    const rows = await tx.query<FollowUpRow & { districtId: string; subjectId: string; subjectDisplayName: string }>(
      `SELECT ${COLUMNS}, c.district_id AS "districtId", c.subject_id AS "subjectId", s.given_names || ' ' || s.family_name AS "subjectDisplayName"
         FROM follow_up_contacts f JOIN cases c ON c.id = f.case_id JOIN subjects s ON s.id = c.subject_id
        WHERE ${where.join(' AND ')} ORDER BY f.due_at, f.id LIMIT ${p.add(f.limit + 1)}`,
      p.values,
    );
    return rows;
  }
}
