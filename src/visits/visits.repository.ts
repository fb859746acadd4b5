import { Injectable } from '@nestjs/common';
import type { FactMap } from '../authorization/sql-scope.js';
import { selectFacts } from '../authorization/sql-scope.js';
import type { AddressSnapshot } from './visit.entity.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

export interface VisitRow {
  id: string;
  caseId: string;
  plannedStart: Date;
  plannedEnd: Date;
  weekday: string;
  timeSlot: string;
  status: string;
  cancelReason: string | null;
  visitors: Array<{ userId: string; role: string }>;
  addressSnapshot: AddressSnapshot;
  safetyNotes: string | null;
  overrideReason: string | null;
  overrideComment: string | null;
  overrideByUserId: string | null;
  overrideAt: Date | null;
  version: number;
  attempts: number;
}

export interface VisitorCandidate {
  id: string;
  roles: string[];
  districtIds: string[];
  active: boolean;
  covenantSigned: boolean;
}

const COLUMNS = `v.id, v.case_id AS "caseId", v.planned_start AS "plannedStart", v.planned_end AS "plannedEnd", v.weekday, v.time_slot AS "timeSlot",
  v.status, v.cancel_reason AS "cancelReason",
  COALESCE((SELECT json_agg(json_build_object('userId', vv.user_id, 'role', vv.role) ORDER BY vv.role, vv.user_id) FROM visit_visitors vv WHERE vv.visit_id = v.id), '[]'::json) AS visitors,
  v.address_snapshot AS "addressSnapshot", v.safety_notes AS "safetyNotes", v.override_reason AS "overrideReason",
  v.override_comment AS "overrideComment", v.override_by_user_id AS "overrideByUserId", v.override_at AS "overrideAt", v.version,
  (SELECT count(*)::int FROM visit_attempts a WHERE a.visit_id = v.id) AS attempts`;

@Injectable()
export class VisitsRepository {
  async get(tx: Tx, id: string): Promise<VisitRow | null> {
    return tx.one<VisitRow>(`SELECT ${COLUMNS} FROM visits v WHERE v.id = $1`, [id]);
  }

  async hasPlannedVisit(tx: Tx, caseId: string): Promise<boolean> {
    return Boolean(await tx.one(`SELECT 1 FROM visits WHERE case_id = $1 AND status = 'PLANNED'`, [caseId]));
  }

  async visitorCandidates(tx: Tx, ids: string[]): Promise<VisitorCandidate[]> {
    return tx.query<VisitorCandidate>(
      `SELECT u.id, u.roles, u.district_ids AS "districtIds", (u.active AND o.active) AS active, o.covenant_signed_at IS NOT NULL AS "covenantSigned"
         FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** What the planning guards read about the case: counted attempts, their slots, address verification, the subject's address. */
  async planningFacts(tx: Tx, caseId: string): Promise<{
    districtId: string;
    countedAttempts: number;
    earlier: Array<{ weekday: string; timeSlot: string }>;
    lastAddressProblemAt: Date | null;
    addressVerifiedAt: Date | null;
    address: AddressSnapshot;
  }> {
    return (await tx.one(
      `SELECT c.district_id AS "districtId", c.counted_attempts AS "countedAttempts",
              COALESCE((SELECT json_agg(json_build_object('weekday', a.weekday, 'timeSlot', a.time_slot)) FROM visit_attempts a WHERE a.case_id = c.id AND a.counts_toward_max), '[]'::json) AS earlier,
              (SELECT max(a.occurred_at) FROM visit_attempts a WHERE a.case_id = c.id AND a.result IN ('WRONG_ADDRESS', 'MOVED')) AS "lastAddressProblemAt",
              s.address_verified_at AS "addressVerifiedAt",
              json_build_object('street', s.street, 'houseNumber', s.house_number, 'postcode', s.postcode, 'municipalityCode', s.municipality_code) AS address
         FROM cases c JOIN subjects s ON s.id = c.subject_id WHERE c.id = $1`,
      [caseId],
    ))!;
  }

  async insert(
    tx: Tx,
    v: { caseId: string; plannedStart: Date; plannedEnd: Date; weekday: string; timeSlot: string; address: AddressSnapshot; safetyNotes: string | null; override: { reason: string; comment: string } | null; actorId: string | null },
  ): Promise<string> {
    return (await tx.one<{ id: string }>(
      `INSERT INTO visits (case_id, planned_start, planned_end, weekday, time_slot, address_snapshot, safety_notes, override_reason, override_comment, override_by_user_id, override_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $8::text IS NULL THEN NULL ELSE now() END, $11) RETURNING id`,
      [v.caseId, v.plannedStart, v.plannedEnd, v.weekday, v.timeSlot, JSON.stringify(v.address), v.safetyNotes, v.override?.reason ?? null, v.override?.comment ?? null, v.override ? v.actorId : null, v.actorId],
    ))!.id;
  }

  async setVisitors(tx: Tx, visitId: string, visitors: Array<{ userId: string; role: string }>): Promise<void> {
    await tx.exec(`DELETE FROM visit_visitors WHERE visit_id = $1`, [visitId]);
    await tx.exec(`INSERT INTO visit_visitors (visit_id, user_id, role) SELECT $1, x.user_id, x.role FROM unnest($2::uuid[], $3::text[]) AS x(user_id, role)`, [
      visitId,
      visitors.map((v) => v.userId),
      visitors.map((v) => v.role),
    ]);
  }

  /** Compare-and-swap in the UPDATE itself: a stale version changes nothing. */
  async update(tx: Tx, id: string, version: number, patch: Record<string, unknown>): Promise<number | null> {
    const columns: Record<string, string> = {
      plannedStart: 'planned_start',
      plannedEnd: 'planned_end',
      weekday: 'weekday',
      timeSlot: 'time_slot',
      safetyNotes: 'safety_notes',
      status: 'status',
      cancelReason: 'cancel_reason',
      overrideReason: 'override_reason',
      overrideComment: 'override_comment',
      overrideByUserId: 'override_by_user_id',
      overrideAt: 'override_at',
    };
    const p = new SqlParams([id, version]);
    const sets = ['version = version + 1', 'updated_at = now()'];
    for (const [k, col] of Object.entries(columns)) if (patch[k] !== undefined) sets.push(`${col} = ${p.add(patch[k])}`);
    const row = await tx.one<{ version: number }>(`UPDATE visits SET ${sets.join(', ')} WHERE id = $1 AND version = $2 AND status = 'PLANNED' RETURNING version`, p.values);
    return row?.version ?? null;
  }

  async refreshNextVisit(tx: Tx, caseId: string): Promise<void> {
    await tx.exec(`UPDATE cases SET next_visit_at = (SELECT min(planned_start) FROM visits WHERE case_id = $1 AND status = 'PLANNED') WHERE id = $1`, [caseId]);
  }

  /** The tablet list: today's and tomorrow's visits with what is needed at the door, one statement. */
  async tabletList(
    tx: Tx,
    scope: string,
    facts: FactMap,
    p: SqlParams,
    f: { from: Date; to: Date; mineUserId: string | null; status?: string; after: [string, string] | null; limit: number },
  ): Promise<Array<Record<string, unknown>>> {
    const where = [scope, `v.planned_start >= ${p.add(f.from)}`, `v.planned_start < ${p.add(f.to)}`];
    if (f.mineUserId) where.push(`EXISTS (SELECT 1 FROM visit_visitors me WHERE me.visit_id = v.id AND me.user_id = ${p.add(f.mineUserId)}::uuid)`);
    if (f.status) where.push(`v.status = ${p.add(f.status)}`);
    if (f.after) where.push(`(v.planned_start, v.id) > (${p.add(f.after[0])}::timestamptz, ${p.add(f.after[1])}::uuid)`);
    const rows = await tx.query(
      `SELECT ${COLUMNS}, c.state AS "caseState", c.subject_id AS "subjectId",
              json_build_object('id', s.id, 'displayName', s.given_names || ' ' || s.family_name, 'dateOfBirth', s.date_of_birth,
                'isMinor', s.date_of_birth > (now() - interval '18 years')::date, 'phone', s.phone, 'guardians', s.guardians,
                'preferredLanguage', s.preferred_language, 'interpreterNeeded', s.interpreter_needed) AS subject,
              COALESCE((SELECT json_agg(json_build_object('attemptNo', a.attempt_no, 'occurredAt', a.occurred_at, 'weekday', a.weekday,
                'timeSlot', a.time_slot, 'result', a.result, 'cardLeft', a.card_left) ORDER BY a.attempt_no) FROM visit_attempts a WHERE a.case_id = c.id), '[]'::json) AS "previousAttempts",
              ${selectFacts(facts, 'fact:')}
         FROM visits v JOIN cases c ON c.id = v.case_id JOIN subjects s ON s.id = c.subject_id
        WHERE ${where.join(' AND ')}
        ORDER BY v.planned_start, v.id LIMIT ${p.add(f.limit + 1)}`,
      p.values,
    );
    return rows;
  }

  // --- attempts ---

  /**
   * What recording an attempt reads, joined to the case whose facts CaseAccess.loadVia adds: the visit, its
   * visitors, the case's counters (from the locked case row) and the slots of earlier attempts.
   */
  attemptContext(visitId: string): { from: string; where: string; values: unknown[]; columns: string } {
    return {
      from: 'visits v JOIN cases c ON c.id = v.case_id',
      where: 'v.id = $1',
      values: [visitId],
      columns: `v.id AS "visitId", v.case_id AS "caseId", v.planned_start AS "plannedStart", v.status AS "visitStatus",
        COALESCE((SELECT json_agg(json_build_object('userId', vv.user_id, 'role', vv.role) ORDER BY vv.role, vv.user_id) FROM visit_visitors vv WHERE vv.visit_id = v.id), '[]'::json) AS visitors,
        c.counted_attempts AS "countedAttempts", c.first_attempt_at AS "firstAttemptAt",
        COALESCE((SELECT json_agg(json_build_object('weekday', a.weekday, 'timeSlot', a.time_slot)) FROM visit_attempts a WHERE a.case_id = c.id), '[]'::json) AS earlier`,
    };
  }

  /**
   * The attempt, and its visit marked done, in one statement. Null (and nothing inserted) when the visit is no
   * longer planned (its row was read before the case lock was granted). Numbers the attempt itself (the next
   * number of its case): the caller holds the case row's lock, so the statement's snapshot already has every
   * earlier attempt of the case.
   */
  async insertAttemptOnPlannedVisit(
    tx: Tx,
    a: { visitId: string; caseId: string; occurredAt: Date; weekday: string; timeSlot: string; result: string; countsTowardMax: boolean; cardLeft: boolean; spokeWith: string; recordedByUserId: string; onBehalfOfUserId: string | null },
  ): Promise<{ id: string; version: number; attemptNo: number } | null> {
    return tx.one(
      `WITH done AS (UPDATE visits SET status = 'DONE', version = version + 1, updated_at = now() WHERE id = $1 AND status = 'PLANNED' RETURNING id)
       INSERT INTO visit_attempts (visit_id, case_id, attempt_no, occurred_at, weekday, time_slot, result, counts_toward_max, card_left, spoke_with, recorded_by_user_id, on_behalf_of_user_id, created_by)
       SELECT done.id, $2::uuid, (SELECT COALESCE(max(attempt_no), 0)::int + 1 FROM visit_attempts WHERE case_id = $2::uuid), $3::timestamptz, $4::text, $5::text, $6::text,
              $7::boolean, $8::boolean, $9::text, $10::uuid, $11::uuid, $10::uuid
         FROM done
       RETURNING id, version, attempt_no AS "attemptNo"`,
      [a.visitId, a.caseId, a.occurredAt, a.weekday, a.timeSlot, a.result, a.countsTowardMax, a.cardLeft, a.spokeWith, a.recordedByUserId, a.onBehalfOfUserId],
    );
  }
}
