import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/tx.js';

export interface ConversationRow {
  id: string;
  attemptId: string;
  caseId: string;
  heldAt: Date;
  durationMin: number | null;
  location: string;
  parentPresent: boolean | null;
  parentAbsentReason: string | null;
  parentAbsentComment: string | null;
  interpreterUsed: boolean;
  topicsCovered: string[];
  recruitmentChannel: string | null;
  subjectAcknowledgesInvolvement: string;
  coercionIndicated: boolean;
  debtIndicated: boolean;
  awarenessBefore: number | null;
  awarenessAfter: number | null;
  intendsToRefuseFutureRequests: string | null;
  consentFollowUpGiven: boolean;
  consentFollowUpGivenBy: string | null;
  consentCareShareGiven: boolean;
  consentCareShareScope: string[];
  researchConsent: boolean | null;
  agreements: string | null;
  youthWorkNotes: string | null;
  recordedByUserId: string;
  version: number;
}

const COLUMNS = `id, attempt_id AS "attemptId", case_id AS "caseId", held_at AS "heldAt", duration_min AS "durationMin", location,
  parent_present AS "parentPresent", parent_absent_reason AS "parentAbsentReason", parent_absent_comment AS "parentAbsentComment",
  interpreter_used AS "interpreterUsed", topics_covered AS "topicsCovered", recruitment_channel AS "recruitmentChannel",
  subject_acknowledges_involvement AS "subjectAcknowledgesInvolvement", coercion_indicated AS "coercionIndicated", debt_indicated AS "debtIndicated",
  awareness_before AS "awarenessBefore", awareness_after AS "awarenessAfter", intends_to_refuse_future_requests AS "intendsToRefuseFutureRequests",
  consent_follow_up_given AS "consentFollowUpGiven", consent_follow_up_given_by AS "consentFollowUpGivenBy",
  consent_care_share_given AS "consentCareShareGiven", consent_care_share_scope AS "consentCareShareScope", research_consent AS "researchConsent",
  agreements, youth_work_notes AS "youthWorkNotes", recorded_by_user_id AS "recordedByUserId", version`;

@Injectable()
export class ConversationsRepository {
  /** The CONVERSATION_HELD attempt of a visit, and whether its conversation was recorded already. */
  async heldAttempt(tx: Tx, visitId: string): Promise<{ id: string; occurredAt: Date; conversationId: string | null } | null> {
    return tx.one(
      `SELECT a.id, a.occurred_at AS "occurredAt", cv.id AS "conversationId"
         FROM visit_attempts a LEFT JOIN conversations cv ON cv.attempt_id = a.id
        WHERE a.visit_id = $1 AND a.result = 'CONVERSATION_HELD' ORDER BY a.attempt_no DESC LIMIT 1`,
      [visitId],
    );
  }

  async subjectAgeOn(tx: Tx, caseId: string, on: Date): Promise<number> {
    return (await tx.one<{ age: number }>(`SELECT date_part('year', age($2::date, s.date_of_birth))::int AS age FROM cases c JOIN subjects s ON s.id = c.subject_id WHERE c.id = $1`, [caseId, on]))!.age;
  }

  async insert(tx: Tx, c: Omit<ConversationRow, 'id' | 'version'>): Promise<string> {
    return (await tx.one<{ id: string }>(
      `INSERT INTO conversations (attempt_id, case_id, held_at, duration_min, location, parent_present, parent_absent_reason, parent_absent_comment,
         interpreter_used, topics_covered, recruitment_channel, subject_acknowledges_involvement, coercion_indicated, debt_indicated, awareness_before,
         awareness_after, intends_to_refuse_future_requests, consent_follow_up_given, consent_follow_up_given_by, consent_care_share_given,
         consent_care_share_scope, research_consent, agreements, youth_work_notes, recorded_by_user_id, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $25)
       ON CONFLICT (attempt_id) DO NOTHING RETURNING id`,
      [
        c.attemptId,
        c.caseId,
        c.heldAt,
        c.durationMin,
        c.location,
        c.parentPresent,
        c.parentAbsentReason,
        c.parentAbsentComment,
        c.interpreterUsed,
        c.topicsCovered,
        c.recruitmentChannel,
        c.subjectAcknowledgesInvolvement,
        c.coercionIndicated,
        c.debtIndicated,
        c.awarenessBefore,
        c.awarenessAfter,
        c.intendsToRefuseFutureRequests,
        c.consentFollowUpGiven,
        c.consentFollowUpGivenBy,
        c.consentCareShareGiven,
        c.consentCareShareScope,
        c.researchConsent,
        c.agreements,
        c.youthWorkNotes,
        c.recordedByUserId,
      ],
    ))?.id ?? '';
  }

  async get(tx: Tx, id: string): Promise<ConversationRow | null> {
    return tx.one<ConversationRow>(`SELECT ${COLUMNS} FROM conversations WHERE id = $1`, [id]);
  }

  async byVisit(tx: Tx, visitId: string): Promise<ConversationRow | null> {
    return tx.one<ConversationRow>(`SELECT ${COLUMNS} FROM conversations WHERE attempt_id IN (SELECT id FROM visit_attempts WHERE visit_id = $1) ORDER BY held_at DESC LIMIT 1`, [visitId]);
  }
}
