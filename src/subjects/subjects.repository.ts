import { Injectable } from '@nestjs/common';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

export interface SubjectRow {
  id: string;
  familyName: string;
  givenNames: string;
  dateOfBirth: string;
  street: string;
  houseNumber: string;
  postcode: string;
  municipalityCode: string;
  phone: string | null;
  guardians: Array<{ name: string; relation: string; phone: string | null }>;
  sex: string;
  preferredLanguage: string | null;
  interpreterNeeded: boolean;
  isMinor: boolean;
  addressVerifiedAt: Date | null;
  duplicateStatus: string;
  possibleDuplicateOfId: string | null;
  mergedIntoId: string | null;
  lvbSuspected: boolean;
  mentalHealthConcern: boolean;
  version: number;
}

const COLUMNS = `s.id, s.family_name AS "familyName", s.given_names AS "givenNames", s.date_of_birth AS "dateOfBirth", s.street,
  s.house_number AS "houseNumber", s.postcode, s.municipality_code AS "municipalityCode", s.phone, s.guardians, s.sex,
  s.preferred_language AS "preferredLanguage", s.interpreter_needed AS "interpreterNeeded",
  s.date_of_birth > (now() - interval '18 years')::date AS "isMinor", s.address_verified_at AS "addressVerifiedAt",
  s.duplicate_status AS "duplicateStatus", s.possible_duplicate_of_id AS "possibleDuplicateOfId", s.merged_into_id AS "mergedIntoId",
  s.lvb_suspected AS "lvbSuspected", s.mental_health_concern AS "mentalHealthConcern", s.version`;

@Injectable()
export class SubjectsRepository {
  /** The case through which a subject is reached: the open one, else the latest. */
  async governingCase(tx: Tx, subjectId: string): Promise<string | null> {
    const row = await tx.one<{ id: string }>(`SELECT id FROM cases WHERE subject_id = $1 ORDER BY (state <> 'CLOSED') DESC, created_at DESC LIMIT 1`, [subjectId]);
    return row?.id ?? null;
  }

  async get(tx: Tx, id: string, forUpdate = false): Promise<SubjectRow | null> {
    const row = await tx.one<SubjectRow>(`SELECT ${COLUMNS} FROM subjects s WHERE s.id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    if (row) tx.touch([row.id]);
    return row;
  }

  async lockPair(tx: Tx, a: string, b: string): Promise<void> {
    // Always in id order, so two merges of the same pair cannot deadlock.
    await tx.query(`SELECT id FROM subjects WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[a, b]]);
  }

  async update(tx: Tx, id: string, version: number, patch: Record<string, unknown>): Promise<number | null> {
    const columns: Record<string, string> = {
      givenNames: 'given_names',
      familyName: 'family_name',
      dateOfBirth: 'date_of_birth',
      sex: 'sex',
      street: 'street',
      houseNumber: 'house_number',
      postcode: 'postcode',
      municipalityCode: 'municipality_code',
      municipalityId: 'municipality_id',
      addressVerifiedAt: 'address_verified_at',
      phone: 'phone',
      guardians: 'guardians',
      preferredLanguage: 'preferred_language',
      interpreterNeeded: 'interpreter_needed',
      lvbSuspected: 'lvb_suspected',
      mentalHealthConcern: 'mental_health_concern',
      matchKey: 'match_key',
      nameNorm: 'name_norm',
      duplicateStatus: 'duplicate_status',
    };
    const p = new SqlParams([id, version]);
    const sets = ['version = version + 1', 'updated_at = now()'];
    for (const [k, col] of Object.entries(columns)) {
      if (patch[k] === undefined) continue;
      sets.push(`${col} = ${p.add(k === 'guardians' ? JSON.stringify(patch[k]) : patch[k])}`);
    }
    const row = await tx.one<{ version: number }>(`UPDATE subjects SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING version`, p.values);
    return row?.version ?? null;
  }

  async matchKeyTaken(tx: Tx, key: Buffer, exceptId: string): Promise<boolean> {
    return Boolean(await tx.one(`SELECT 1 FROM subjects WHERE match_key = $1 AND duplicate_status <> 'MERGED' AND id <> $2`, [key, exceptId]));
  }

  async cases(tx: Tx, subjectId: string): Promise<Array<{ id: string; state: string; closedAt: Date | null; episodeNo: number; version: number }>> {
    return tx.query(`SELECT id, state, closed_at AS "closedAt", episode_no AS "episodeNo", version FROM cases WHERE subject_id = $1 ORDER BY created_at FOR UPDATE`, [subjectId]);
  }

  async referralIds(tx: Tx, subjectId: string): Promise<string[]> {
    return (await tx.query<{ id: string }>(`SELECT id FROM referrals WHERE subject_id = $1 ORDER BY received_at`, [subjectId])).map((r) => r.id);
  }

  async moveReferrals(tx: Tx, fromSubjectId: string, intoSubjectId: string, intoCaseId: string | null): Promise<void> {
    if (intoCaseId) {
      await tx.exec(`UPDATE referrals SET subject_id = $2, case_id = $3, attached_to_open_case = true, version = version + 1, updated_at = now() WHERE subject_id = $1`, [fromSubjectId, intoSubjectId, intoCaseId]);
    } else {
      await tx.exec(`UPDATE referrals SET subject_id = $2, version = version + 1, updated_at = now() WHERE subject_id = $1`, [fromSubjectId, intoSubjectId]);
    }
  }

  async moveCase(tx: Tx, caseId: string, intoSubjectId: string, previous: { id: string; closedAt: Date; episodeNo: number } | null, now: Date): Promise<void> {
    await tx.exec(
      `UPDATE cases SET subject_id = $2, previous_case_id = $3, re_referral = $4, episode_no = $5, days_since_previous_closure = $6, version = version + 1, updated_at = now() WHERE id = $1`,
      [caseId, intoSubjectId, previous?.id ?? null, Boolean(previous), previous ? previous.episodeNo + 1 : 1, previous ? Math.floor((now.getTime() - previous.closedAt.getTime()) / 86_400_000) : null],
    );
  }

  async raiseSignal(tx: Tx, caseId: string): Promise<void> {
    await tx.exec(`UPDATE cases SET has_unreviewed_signal = true, version = version + 1, updated_at = now() WHERE id = $1`, [caseId]);
  }

  async closeAsDuplicate(tx: Tx, caseId: string, from: string, at: Date, byUserId: string | null): Promise<void> {
    await tx.exec(
      `UPDATE cases SET state = 'CLOSED', state_changed_at = $2, closure_reason = 'MERGED_DUPLICATE', closure_group = 'WITHDRAWN', closed_at = $2,
         next_visit_at = NULL, next_follow_up_due_at = NULL, version = version + 1, updated_at = now() WHERE id = $1`,
      [caseId, at],
    );
    await tx.exec(`UPDATE visits SET status = 'CANCELLED', cancel_reason = 'OTHER', version = version + 1 WHERE case_id = $1 AND status = 'PLANNED'`, [caseId]);
    await tx.exec(`INSERT INTO case_transitions (case_id, from_state, to_state, at, by_user_id, by_role, reason_code) VALUES ($1, $2, 'CLOSED', $3, $4, 'coordinator', 'MERGED_DUPLICATE')`, [caseId, from, at, byUserId]);
  }

  async markMerged(tx: Tx, fromId: string, intoId: string): Promise<void> {
    await tx.exec(`UPDATE subjects SET duplicate_status = 'MERGED', merged_into_id = $2, version = version + 1, updated_at = now() WHERE id = $1`, [fromId, intoId]);
  }

  async insertMerge(tx: Tx, m: { fromSubjectId: string; intoSubjectId: string; mergedBy: string | null; movedReferralIds: string[]; movedCaseIds: string[]; closedCaseId: string | null; before: Record<string, unknown> }): Promise<string> {
    return (await tx.one<{ id: string }>(
      `INSERT INTO subject_merges (from_subject_id, into_subject_id, merged_by, moved_referral_ids, moved_case_ids, closed_case_id, before) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [m.fromSubjectId, m.intoSubjectId, m.mergedBy, m.movedReferralIds, m.movedCaseIds, m.closedCaseId, JSON.stringify(m.before)],
    ))!.id;
  }

  async municipality(tx: Tx, input: string): Promise<{ id: string; code: string } | null> {
    return tx.one(`SELECT id, code FROM areas WHERE level = 'MUNICIPALITY' AND (upper(code) = upper($1) OR lower(name) = lower($1)) LIMIT 1`, [input.trim()]);
  }
}
