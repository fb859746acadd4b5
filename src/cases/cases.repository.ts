import { Injectable } from '@nestjs/common';
import type { CaseState } from '../common/domain-enums.js';
import type { ScopeArm } from '../authorization/sql-scope.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

export interface CaseListRow {
  id: string;
  state: string;
  districtId: string;
  subjectId: string;
  displayName: string;
  ageAtReferral: number;
  nextVisitAt: Date | null;
  overdue: boolean;
  version: number;
  createdAt: Date;
  priority: string;
  hasUnreviewedSignal: boolean;
  reReferral: boolean;
  caseManagerUserId: string | null;
  stateChangedAt: Date;
}

export interface CaseListFilter {
  state?: string;
  districtId?: string;
  assignedToMe?: boolean;
  overdue?: boolean;
  hasUnreviewedSignal?: boolean;
  after: [string, string] | null;
  limit: number;
}

/** Overdue: a hold past its date, no first attempt within the target, or a follow-up past due (domain.md §2.3). */
export const OVERDUE_SQL = (targetDaysParam: string) => `(
  (c.state = 'ON_HOLD' AND c.hold_until < now())
  OR (c.state IN ('RECEIVED', 'TRIAGE', 'READY_TO_PLAN', 'VISIT_PLANNED') AND c.first_attempt_at IS NULL AND c.created_at < now() - make_interval(days => ${targetDaysParam}::int))
  OR (c.next_follow_up_due_at IS NOT NULL AND c.next_follow_up_due_at < now()))`;

/** Case columns a state move may set alongside the state (CaseWorkflow callers' `set`). */
const MOVE_COLUMNS: Record<string, string> = {
  caseManagerUserId: 'case_manager_user_id',
  holdUntil: 'hold_until',
  holdReason: 'hold_reason',
  closureReason: 'closure_reason',
  closureGroup: 'closure_group',
  closedAt: 'closed_at',
  closureComment: 'closure_comment',
  nextVisitAt: 'next_visit_at',
  nextFollowUpDueAt: 'next_follow_up_due_at',
  countedAttempts: 'counted_attempts',
  firstAttemptAt: 'first_attempt_at',
};

export interface StateMove {
  caseId: string;
  from: CaseState;
  to: CaseState;
  at: Date;
  byUserId: string | null;
  byRole: string | null;
  reasonCode: string | null;
  comment: string | null;
  breakGlassGrantId: string | null;
  set?: Record<string, unknown>;
}

@Injectable()
export class CasesRepository {
  /**
   * One keyset page, scoped by the caller's rules; only list columns, never sensitive fields. Each arm
   * of the scope (a district, a break-glass grant, a visitor assignment) pages on its own, in the list's
   * order over its own index (a district arm once per district, over idx_cases_district_state_created or
   * idx_cases_district_created), and the merged pages give the page: one OR over all arms would have to
   * read every case the caller may see to sort them. Arms may overlap (a granted case in one's own
   * district), hence UNION, which costs little on at most (limit + 1) rows per arm.
   */
  async list(tx: Tx, arms: ScopeArm[], p: SqlParams, actorId: string | null, targetDays: number, f: CaseListFilter): Promise<CaseListRow[]> {
    if (arms.length === 0) return [];
    const filters: string[] = [];
    if (f.state) filters.push(`c.state = ${p.add(f.state)}`);
    if (f.districtId) filters.push(`c.district_id = ${p.add(f.districtId)}::uuid`);
    if (f.hasUnreviewedSignal) filters.push('c.has_unreviewed_signal');
    if (f.assignedToMe && actorId) {
      const me = p.add(actorId);
      filters.push(`(c.case_manager_user_id = ${me}::uuid OR EXISTS (SELECT 1 FROM visit_visitors vv JOIN visits v ON v.id = vv.visit_id
                   WHERE v.case_id = c.id AND vv.user_id = ${me}::uuid AND v.status <> 'CANCELLED'))`);
    }
    const overdue = OVERDUE_SQL(p.add(targetDays));
    if (f.overdue) filters.push(overdue);
    if (f.after) filters.push(`(c.created_at, c.id) < (${p.add(f.after[0])}::timestamptz, ${p.add(f.after[1])}::uuid)`);
    const limit = p.add(f.limit + 1);
    const pages = arms.map((arm) => {
      const page = `SELECT c.id, c.created_at FROM cases c WHERE ${[arm.where, ...filters].join(' AND ')} ORDER BY c.created_at DESC, c.id DESC LIMIT ${limit}`;
      return arm.perValue ? `SELECT k.id, k.created_at FROM ${arm.perValue} CROSS JOIN LATERAL (${page}) k` : `(${page})`;
    });
    return tx.query<CaseListRow>(
      `SELECT c.id, c.state, c.district_id AS "districtId", c.subject_id AS "subjectId",
              s.given_names || ' ' || s.family_name AS "displayName",
              date_part('year', age(c.created_at::date, s.date_of_birth))::int AS "ageAtReferral",
              c.next_visit_at AS "nextVisitAt", ${overdue} AS overdue, c.version, c.created_at AS "createdAt", c.priority,
              c.has_unreviewed_signal AS "hasUnreviewedSignal", c.re_referral AS "reReferral",
              c.case_manager_user_id AS "caseManagerUserId", c.state_changed_at AS "stateChangedAt"
         FROM (SELECT a.id FROM (${pages.join('\n UNION\n ')}) a ORDER BY a.created_at DESC, a.id DESC LIMIT ${limit}) page
         JOIN cases c ON c.id = page.id JOIN subjects s ON s.id = c.subject_id
        ORDER BY c.created_at DESC, c.id DESC`,
      p.values,
    );
  }

  /**
   * The whole case in one statement: the case, its subject, and every child collection as a json_agg
   * subselect (never one query per child). Field filtering happens afterwards from the permitted fields.
   */
  async detail(tx: Tx, id: string, targetDays: number): Promise<Record<string, unknown> | null> {
    const row = await tx.one<{ doc: Record<string, unknown> }>(
      `SELECT json_build_object(
         'id', c.id, 'state', c.state, 'districtId', c.district_id, 'municipalityCode', c.municipality_code,
         'stateChangedAt', c.state_changed_at, 'caseManagerUserId', c.case_manager_user_id, 'priority', c.priority,
         'episodeNo', c.episode_no, 'previousCaseId', c.previous_case_id, 'reReferral', c.re_referral,
         'daysSincePreviousClosure', c.days_since_previous_closure, 'holdUntil', c.hold_until, 'holdReason', c.hold_reason,
         'hasUnreviewedSignal', c.has_unreviewed_signal, 'countedAttempts', c.counted_attempts, 'firstAttemptAt', c.first_attempt_at,
         'nextVisitAt', c.next_visit_at, 'nextFollowUpDueAt', c.next_follow_up_due_at, 'overdue', ${OVERDUE_SQL('$2')},
         'policeClearance', json_build_object('confirmedAt', c.police_clearance_confirmed_at, 'policeOrganisationId', c.police_clearance_org_id,
                                              'reference', c.police_clearance_reference),
         'closureReason', c.closure_reason, 'closureGroup', c.closure_group, 'closedAt', c.closed_at, 'closureComment', c.closure_comment,
         'version', c.version, 'createdAt', c.created_at, 'updatedAt', c.updated_at,
         'subject', json_build_object(
           'id', s.id, 'familyName', s.family_name, 'givenNames', s.given_names, 'dateOfBirth', s.date_of_birth,
           'address', json_build_object('street', s.street, 'houseNumber', s.house_number, 'postcode', s.postcode, 'municipalityCode', s.municipality_code),
           'phone', s.phone, 'guardians', s.guardians, 'sex', s.sex, 'preferredLanguage', s.preferred_language,
           'interpreterNeeded', s.interpreter_needed, 'isMinor', s.date_of_birth > (now() - interval '18 years')::date,
           'ageAtReferral', date_part('year', age(c.created_at::date, s.date_of_birth))::int,
           'addressVerifiedAt', s.address_verified_at, 'duplicateStatus', s.duplicate_status, 'possibleDuplicateOfId', s.possible_duplicate_of_id,
           'mergedIntoId', s.merged_into_id, 'lvbSuspected', s.lvb_suspected, 'mentalHealthConcern', s.mental_health_concern, 'version', s.version),
         'referrals', COALESCE((SELECT json_agg(json_build_object(
             'id', r.id, 'caseId', r.case_id, 'subjectId', r.subject_id, 'sourceType', r.source_type, 'referrerOrganisationId', r.referrer_org_id,
             'receivedAt', r.received_at, 'incidentMonth', r.incident_month, 'reasonCodes', r.reason_codes, 'legalBasisCode', r.legal_basis_code,
             'consentObtainedByReferrer', CASE WHEN r.consent_given IS NULL THEN NULL ELSE json_build_object('given', r.consent_given, 'date', r.consent_date) END,
             'status', r.status, 'decidedAt', r.decided_at, 'attachedToOpenCase', r.attached_to_open_case, 'subjectMatch', r.subject_match,
             'districtId', c.district_id, 'externalReference', r.external_reference, 'fraudType', r.fraud_type, 'amountBand', r.amount_band,
             'bankRegistrationStatus', r.bank_registration_status, 'notes', r.notes, 'version', r.version) ORDER BY r.received_at, r.id)
           FROM referrals r WHERE r.case_id = c.id), '[]'::json),
         'transitions', COALESCE((SELECT json_agg(json_build_object(
             'id', t.id, 'fromState', t.from_state, 'toState', t.to_state, 'at', t.at, 'byUserId', t.by_user_id, 'byRole', t.by_role,
             'reasonCode', CASE WHEN t.to_state = 'ON_HOLD' THEN NULL ELSE t.reason_code END,
             'holdReasonCode', CASE WHEN t.to_state = 'ON_HOLD' THEN t.reason_code END,
             'comment', t.comment, 'breakGlassGrantId', t.break_glass_grant_id) ORDER BY t.at, t.id)
           FROM case_transitions t WHERE t.case_id = c.id), '[]'::json),
         'visits', COALESCE((SELECT json_agg(json_build_object(
             'id', v.id, 'caseId', v.case_id, 'plannedStart', v.planned_start, 'plannedEnd', v.planned_end, 'weekday', v.weekday,
             'timeSlot', v.time_slot, 'status', v.status, 'cancelReason', v.cancel_reason,
             'visitors', COALESCE((SELECT json_agg(json_build_object('userId', vv.user_id, 'role', vv.role) ORDER BY vv.role, vv.user_id)
                                   FROM visit_visitors vv WHERE vv.visit_id = v.id), '[]'::json),
             'addressSnapshot', v.address_snapshot, 'safetyNotes', v.safety_notes, 'overrideReason', v.override_reason,
             'overrideComment', v.override_comment, 'overrideByUserId', v.override_by_user_id, 'overrideAt', v.override_at,
             'version', v.version) ORDER BY v.planned_start, v.id)
           FROM visits v WHERE v.case_id = c.id), '[]'::json),
         'attempts', COALESCE((SELECT json_agg(json_build_object(
             'id', a.id, 'visitId', a.visit_id, 'caseId', a.case_id, 'attemptNo', a.attempt_no, 'occurredAt', a.occurred_at,
             'weekday', a.weekday, 'timeSlot', a.time_slot, 'result', a.result, 'countsTowardMax', a.counts_toward_max,
             'cardLeft', a.card_left, 'spokeWith', a.spoke_with, 'recordedByUserId', a.recorded_by_user_id,
             'onBehalfOfUserId', a.on_behalf_of_user_id, 'version', a.version) ORDER BY a.attempt_no)
           FROM visit_attempts a WHERE a.case_id = c.id), '[]'::json),
         'conversation', (SELECT json_build_object(
             'id', cv.id, 'attemptId', cv.attempt_id, 'caseId', cv.case_id, 'heldAt', cv.held_at, 'durationMin', cv.duration_min,
             'location', cv.location, 'parentPresent', cv.parent_present, 'parentAbsentReason', cv.parent_absent_reason,
             'parentAbsentComment', cv.parent_absent_comment, 'interpreterUsed', cv.interpreter_used, 'topicsCovered', cv.topics_covered,
             'recruitmentChannel', cv.recruitment_channel, 'subjectAcknowledgesInvolvement', cv.subject_acknowledges_involvement,
             'coercionIndicated', cv.coercion_indicated, 'debtIndicated', cv.debt_indicated, 'awarenessBefore', cv.awareness_before,
             'awarenessAfter', cv.awareness_after, 'intendsToRefuseFutureRequests', cv.intends_to_refuse_future_requests,
             'consentFollowUpContact', json_build_object('given', cv.consent_follow_up_given, 'givenBy', cv.consent_follow_up_given_by),
             'consentCareDataShare', json_build_object('given', cv.consent_care_share_given, 'scope', cv.consent_care_share_scope),
             'researchConsent', cv.research_consent, 'agreements', cv.agreements, 'youthWorkNotes', cv.youth_work_notes,
             'recordedByUserId', cv.recorded_by_user_id, 'version', cv.version)
           FROM conversations cv WHERE cv.case_id = c.id ORDER BY cv.held_at DESC LIMIT 1),
         'careReferrals', COALESCE((SELECT json_agg(json_build_object(
             'id', cr.id, 'caseId', cr.case_id, 'type', cr.type, 'providerOrganisationId', cr.provider_organisation_id,
             'proposedAt', cr.proposed_at, 'status', cr.status, 'statusAt', cr.status_at, 'dataSharedFields', cr.data_shared_fields,
             'notes', cr.notes, 'version', cr.version) ORDER BY cr.proposed_at, cr.id)
           FROM care_referrals cr WHERE cr.case_id = c.id), '[]'::json),
         'followUps', COALESCE((SELECT json_agg(json_build_object(
             'id', f.id, 'caseId', f.case_id, 'sequenceNo', f.sequence_no, 'dueAt', f.due_at, 'occurredAt', f.occurred_at,
             'channel', f.channel, 'result', f.result, 'careStatusReported', f.care_status_reported,
             'reApproachedByRecruiter', f.re_approached_by_recruiter, 'newIncidentReported', f.new_incident_reported,
             'awarenessNow', f.awareness_now, 'needsNewCare', f.needs_new_care,
             'overdue', f.occurred_at IS NULL AND f.due_at < now(), 'notes', f.notes, 'version', f.version) ORDER BY f.sequence_no)
           FROM follow_up_contacts f WHERE f.case_id = c.id), '[]'::json)
       ) AS doc
       FROM cases c JOIN subjects s ON s.id = c.subject_id
      WHERE c.id = $1`,
      [id, targetDays],
    );
    if (!row) return null;
    tx.touch([(row.doc.subject as { id: string }).id]);
    return row.doc;
  }

  /** Compare-and-swap update of coordinator-editable fields. */
  async update(tx: Tx, id: string, version: number, patch: Record<string, unknown>): Promise<number | null> {
    const columns: Record<string, string> = {
      caseManagerUserId: 'case_manager_user_id',
      priority: 'priority',
      policeClearanceConfirmedAt: 'police_clearance_confirmed_at',
      policeClearanceOrgId: 'police_clearance_org_id',
      policeClearanceReference: 'police_clearance_reference',
    };
    const p = new SqlParams([id, version]);
    const sets = ['version = version + 1', 'updated_at = now()'];
    for (const [k, col] of Object.entries(columns)) if (patch[k] !== undefined) sets.push(`${col} = ${p.add(patch[k])}`);
    const row = await tx.one<{ version: number }>(`UPDATE cases SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING version`, p.values);
    return row?.version ?? null;
  }

  /** Moves the state with compare-and-swap on version and state, and appends the history row. */
  async moveState(tx: Tx, m: StateMove & { expectedVersion: number | null }): Promise<number | null> {
    const p = new SqlParams([m.caseId, m.from]);
    const sets = ['version = version + 1', 'updated_at = now()', `state = ${p.add(m.to)}`, `state_changed_at = ${p.add(m.at)}`];
    for (const [k, col] of Object.entries(MOVE_COLUMNS)) if (m.set && k in m.set) sets.push(`${col} = ${p.add(m.set[k])}`);
    const versionCheck = m.expectedVersion !== null ? ` AND version = ${p.add(m.expectedVersion)}` : '';
    // One round trip: the history row is inserted only when the compare-and-swap moved the case ($3 is the
    // target state and $4 the time, bound for the UPDATE above).
    const row = await tx.one<{ version: number }>(
      `WITH moved AS (UPDATE cases SET ${sets.join(', ')} WHERE id = $1 AND state = $2${versionCheck} RETURNING version)
       INSERT INTO case_transitions (case_id, from_state, to_state, at, by_user_id, by_role, reason_code, comment, break_glass_grant_id)
       SELECT $1::uuid, $2::text, $3::text, $4::timestamptz, ${p.add(m.byUserId)}::uuid, ${p.add(m.byRole)}::text, ${p.add(m.reasonCode)}::text,
              ${p.add(m.comment)}::text, ${p.add(m.breakGlassGrantId)}::uuid
         FROM moved
       RETURNING (SELECT version FROM moved) AS version`,
      p.values,
    );
    return row?.version ?? null;
  }

  /**
   * The same move for a case whose row this transaction has locked and whose state it read under that lock, so no
   * compare-and-swap can fail: both writes are deferred (Tx.defer) and go with the request's audit events in one
   * statement before COMMIT. Should the state differ after all, `state` becomes NULL and the NOT NULL constraint fails
   * the statement, so nothing commits rather than a history row that did not happen.
   */
  moveStateLocked(tx: Tx, m: StateMove): void {
    const p = new SqlParams([m.caseId, m.from, m.to]);
    const sets = ['version = version + 1', 'updated_at = now()', 'state = CASE WHEN state = $2::text THEN $3::text END', `state_changed_at = ${p.add(m.at)}`];
    for (const [k, col] of Object.entries(MOVE_COLUMNS)) if (m.set && k in m.set) sets.push(`${col} = ${p.add(m.set[k])}`);
    tx.defer({ sql: `UPDATE cases SET ${sets.join(', ')} WHERE id = $1`, params: p.values });
    tx.defer({
      sql: `INSERT INTO case_transitions (case_id, from_state, to_state, at, by_user_id, by_role, reason_code, comment, break_glass_grant_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      params: [m.caseId, m.from, m.to, m.at, m.byUserId, m.byRole, m.reasonCode, m.comment, m.breakGlassGrantId],
    });
  }

  /** Everything the workflow guards read, in one query. */
  async guardFacts(tx: Tx, caseId: string, clearanceSources: string[], legalBasisCodes: string[]): Promise<{
    legalBasisActive: boolean;
    policeClearanceNeeded: boolean;
    policeClearanceRecorded: boolean;
    possibleDuplicate: boolean;
    addressVerifiedAt: Date | null;
    lastAddressProblemAt: Date | null;
    hasConversation: boolean;
    consentFollowUpGiven: boolean | null;
    consentFollowUpGivenBy: string | null;
    ageAtConversation: number | null;
    pendingFollowUps: number;
    holdUntil: Date | null;
    lastConversationAt: Date | null;
  }> {
    return (await tx.one(
      `SELECT
         COALESCE((SELECT r.legal_basis_code = ANY($3::text[]) FROM referrals r WHERE r.case_id = c.id ORDER BY r.received_at, r.id LIMIT 1), false) AS "legalBasisActive",
         EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = c.id AND r.source_type = ANY($2::text[])) AS "policeClearanceNeeded",
         (c.police_clearance_confirmed_at IS NOT NULL AND c.police_clearance_org_id IS NOT NULL AND c.police_clearance_reference IS NOT NULL) AS "policeClearanceRecorded",
         s.duplicate_status = 'POSSIBLE' AS "possibleDuplicate",
         s.address_verified_at AS "addressVerifiedAt",
         (SELECT max(a.occurred_at) FROM visit_attempts a WHERE a.case_id = c.id AND a.result IN ('WRONG_ADDRESS', 'MOVED')) AS "lastAddressProblemAt",
         cv.id IS NOT NULL AS "hasConversation",
         cv.consent_follow_up_given AS "consentFollowUpGiven",
         cv.consent_follow_up_given_by AS "consentFollowUpGivenBy",
         CASE WHEN cv.id IS NULL THEN NULL ELSE date_part('year', age(cv.held_at::date, s.date_of_birth))::int END AS "ageAtConversation",
         cv.held_at AS "lastConversationAt",
         (SELECT count(*)::int FROM follow_up_contacts f WHERE f.case_id = c.id AND f.occurred_at IS NULL AND f.result IS DISTINCT FROM 'CANCELLED') AS "pendingFollowUps",
         c.hold_until AS "holdUntil"
       FROM cases c JOIN subjects s ON s.id = c.subject_id
       LEFT JOIN LATERAL (SELECT * FROM conversations x WHERE x.case_id = c.id ORDER BY x.held_at DESC LIMIT 1) cv ON TRUE
       WHERE c.id = $1`,
      [caseId, clearanceSources, legalBasisCodes],
    ))!;
  }

  /** Referrals still RECEIVED get the triage decision (their receipts change with it). */
  async decideOpenReferrals(tx: Tx, caseId: string, status: 'ACCEPTED' | 'NOT_ACCEPTED', at: Date): Promise<void> {
    await tx.exec(`UPDATE referrals SET status = $2, decided_at = $3, version = version + 1, updated_at = now() WHERE case_id = $1 AND status = 'RECEIVED' AND NOT attached_to_open_case`, [caseId, status, at]);
  }

  async cancelOpenVisits(tx: Tx, caseId: string, reason: string): Promise<number> {
    return tx.exec(`UPDATE visits SET status = 'CANCELLED', cancel_reason = $2, version = version + 1, updated_at = now() WHERE case_id = $1 AND status = 'PLANNED'`, [caseId, reason]);
  }

  async createFollowUp(tx: Tx, caseId: string, sequenceNo: number, dueAt: Date, createdBy: string | null): Promise<string> {
    return (await tx.one<{ id: string }>(
      `INSERT INTO follow_up_contacts (case_id, sequence_no, due_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [caseId, sequenceNo, dueAt, createdBy],
    ))!.id;
  }

  async userIsActiveInOrg(tx: Tx, userId: string): Promise<boolean> {
    return Boolean(await tx.one(`SELECT 1 FROM users WHERE id = $1 AND active AND 'coordinator' = ANY(roles)`, [userId]));
  }

  async policeOrganisation(tx: Tx, id: string): Promise<boolean> {
    return Boolean(await tx.one(`SELECT 1 FROM organisations WHERE id = $1 AND type = 'POLICE' AND active`, [id]));
  }
}
