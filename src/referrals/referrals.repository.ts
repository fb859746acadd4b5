import { Injectable } from '@nestjs/common';
import type { FactMap } from '../authorization/sql-scope.js';
import { selectFacts } from '../authorization/sql-scope.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

export interface OrganisationRow {
  type: string;
  canRefer: boolean;
  active: boolean;
  covenantSignedAt: Date | null;
}

export interface TransitionRow {
  caseId: string;
  from: string | null;
  to: string;
  at: Date;
  byUserId: string | null;
  byRole: string | null;
  reasonCode: string | null;
}

export interface MunicipalityRow {
  id: string;
  code: string;
  districtId: string | null;
  inProgramme: boolean;
}

export interface NewSubject {
  familyName: string;
  givenNames: string;
  dateOfBirth: string;
  sex: string;
  street: string;
  houseNumber: string;
  postcode: string;
  municipalityCode: string;
  municipalityId: string;
  phone: string | null;
  guardians: unknown[];
  matchKey: Buffer;
  nameNorm: string;
  duplicateStatus: 'NONE' | 'POSSIBLE';
  possibleDuplicateOfId: string | null;
  createdBy: string | null;
}

/** A matched subject's case situation: its open case (locked) or, without one, its latest closed case. */
export interface SubjectCases {
  id: string;
  openCaseId: string | null;
  latestClosed: { id: string; episodeNo: number; closedAt: Date } | null;
}

export interface NewCase {
  id: string;
  subjectId: string;
  districtId: string;
  municipalityCode: string;
  at: Date;
  episodeNo: number;
  previousCaseId: string | null;
  reReferral: boolean;
  daysSincePreviousClosure: number | null;
  createdBy: string | null;
  /** Set when the municipality lies outside the programme region: the case is opened closed. */
  closedAtIntake: { reason: string; group: string } | null;
}

export interface NewReferral {
  id: string;
  caseId: string;
  subjectId: string;
  sourceType: string;
  referrerOrgId: string;
  submittedByUserId: string | null;
  apiKeyId: string | null;
  receivedAt: Date;
  incidentMonth: string | null;
  reasonCodes: string[];
  legalBasisCode: string;
  consentGiven: boolean | null;
  consentDate: string | null;
  attachedToOpenCase: boolean;
  subjectMatch: string;
  externalReference: string | null;
  fraudType: string | null;
  amountBand: string | null;
  bankRegistrationStatus: string | null;
  notes: string | null;
}

export interface ReferralRow {
  id: string;
  caseId: string;
  subjectId: string;
  districtId: string;
  sourceType: string;
  referrerOrganisationId: string;
  receivedAt: Date;
  incidentMonth: string | null;
  reasonCodes: string[];
  legalBasisCode: string;
  consentGiven: boolean | null;
  consentDate: string | null;
  status: string;
  decidedAt: Date | null;
  attachedToOpenCase: boolean;
  subjectMatch: string;
  externalReference: string | null;
  fraudType: string | null;
  amountBand: string | null;
  bankRegistrationStatus: string | null;
  notes: string | null;
  version: number;
}

const COLUMNS = `r.id, r.case_id AS "caseId", r.subject_id AS "subjectId", c.district_id AS "districtId", r.source_type AS "sourceType",
  r.referrer_org_id AS "referrerOrganisationId", r.received_at AS "receivedAt", r.incident_month AS "incidentMonth",
  r.reason_codes AS "reasonCodes", r.legal_basis_code AS "legalBasisCode", r.consent_given AS "consentGiven", r.consent_date AS "consentDate",
  r.status, r.decided_at AS "decidedAt", r.attached_to_open_case AS "attachedToOpenCase", r.subject_match AS "subjectMatch",
  r.external_reference AS "externalReference", r.fraud_type AS "fraudType", r.amount_band AS "amountBand",
  r.bank_registration_status AS "bankRegistrationStatus", r.notes, r.version`;

@Injectable()
export class ReferralsRepository {
  /**
   * Everything intake reads before it writes, in one round trip: the caller's organisation (null without one), the
   * municipality named by CBS code or name (null when unknown), the live subject with this match key (locked), and
   * the nearest other subject born on the same day (or day and month swapped) whose name is at least `threshold`
   * similar. The near match matters only when there is no exact one; its probe reads only subjects of those birth
   * dates. Reading the match before the organisation's right to refer is checked is harmless: a refused intake rolls
   * back and returns nothing of it.
   */
  async intakeContext(
    tx: Tx,
    organisationId: string | null,
    municipalityInput: string,
    match: { key: Buffer; nameNorm: string; dates: string[]; threshold: number },
  ): Promise<{ org: OrganisationRow | null; municipality: MunicipalityRow | null; exactId: string | null; nearId: string | null }> {
    const row = await tx.one<OrganisationRow & { mId: string | null; mCode: string; districtId: string | null; inProgramme: boolean; orgFound: boolean; exactId: string | null; nearId: string | null }>(
      `WITH exact AS (SELECT id FROM subjects WHERE match_key = $3 AND duplicate_status <> 'MERGED' FOR UPDATE)
       SELECT o.id IS NOT NULL AS "orgFound", o.type, o.can_refer AS "canRefer", o.active, o.covenant_signed_at AS "covenantSignedAt",
              m.id AS "mId", m.code AS "mCode", m."districtId", m."inProgramme", (SELECT id FROM exact) AS "exactId",
              (SELECT id FROM subjects
                WHERE NOT EXISTS (SELECT 1 FROM exact) AND date_of_birth = ANY($5::date[]) AND duplicate_status <> 'MERGED' AND similarity(name_norm, $4) >= $6
                ORDER BY similarity(name_norm, $4) DESC, id LIMIT 1) AS "nearId"
         FROM (SELECT 1) one
         LEFT JOIN organisations o ON o.id = $1::uuid
         LEFT JOIN LATERAL (
           SELECT m.id, m.code, d.id AS "districtId", (m.active AND d.active IS TRUE) AS "inProgramme"
             FROM areas m LEFT JOIN areas d ON d.id = m.parent_id AND d.level = 'DISTRICT'
            WHERE m.level = 'MUNICIPALITY' AND (upper(m.code) = upper($2) OR lower(m.name) = lower($2))
            LIMIT 1) m ON true`,
      [organisationId, municipalityInput.trim(), match.key, match.nameNorm, match.dates, match.threshold],
    );
    return {
      org: row?.orgFound ? { type: row.type, canRefer: row.canRefer, active: row.active, covenantSignedAt: row.covenantSignedAt } : null,
      municipality: row?.mId ? { id: row.mId, code: row.mCode, districtId: row.districtId, inProgramme: row.inProgramme } : null,
      exactId: row?.exactId ?? null,
      nearId: row?.nearId ?? null,
    };
  }

  async subjectByMatchKey(tx: Tx, key: Buffer): Promise<{ id: string } | null> {
    return tx.one(`SELECT id FROM subjects WHERE match_key = $1 AND duplicate_status <> 'MERGED' FOR UPDATE`, [key]);
  }

  /**
   * A matched subject's open case or, without one, its latest closed case, in one statement. Runs after the subject
   * row was locked by an earlier statement, so its snapshot holds every case of the subject (cases are added or moved
   * to a subject only under that lock: intake, merge); each case row is locked too, and a row that was changing is
   * returned as committed after the wait, so a case closed a moment ago counts as closed.
   */
  async subjectCases(tx: Tx, subjectId: string): Promise<SubjectCases> {
    const rows = await tx.query<{ id: string; state: string; episodeNo: number; closedAt: Date | null }>(
      `SELECT id, state, episode_no AS "episodeNo", closed_at AS "closedAt" FROM cases WHERE subject_id = $1 ORDER BY id FOR UPDATE`,
      [subjectId],
    );
    const open = rows.find((r) => r.state !== 'CLOSED');
    let latest: (typeof rows)[number] | undefined;
    for (const r of rows) if (r.state === 'CLOSED' && (!latest || r.closedAt! > latest.closedAt!)) latest = r;
    return { id: subjectId, openCaseId: open?.id ?? null, latestClosed: !open && latest ? { id: latest.id, episodeNo: latest.episodeNo, closedAt: latest.closedAt! } : null };
  }

  /** Inserts unless a live subject with this match key exists (then null: a concurrent intake won). */
  async insertSubject(tx: Tx, s: NewSubject): Promise<string | null> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO subjects (family_name, given_names, date_of_birth, sex, street, house_number, postcode, municipality_code, municipality_id,
         phone, guardians, match_key, name_norm, duplicate_status, possible_duplicate_of_id, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (match_key) WHERE duplicate_status <> 'MERGED' DO NOTHING RETURNING id`,
      [s.familyName, s.givenNames, s.dateOfBirth, s.sex, s.street, s.houseNumber, s.postcode, s.municipalityCode, s.municipalityId, s.phone, JSON.stringify(s.guardians), s.matchKey, s.nameNorm, s.duplicateStatus, s.possibleDuplicateOfId, s.createdBy],
    );
    return row?.id ?? null;
  }

  /**
   * Deferred (Tx.defer), like the referral that follows it: the id is made here, nothing reads the row back, so the
   * case, the referral, their history and the audit events reach the database as one statement before COMMIT. The
   * subject is locked (linked) or new in this transaction, so no concurrent intake can open a case for it meanwhile.
   * A case opened outside the programme region is closed at once.
   */
  insertCase(tx: Tx, c: NewCase): void {
    tx.defer({
      sql: `INSERT INTO cases (id, subject_id, district_id, municipality_code, state, state_changed_at, episode_no, previous_case_id, re_referral,
         days_since_previous_closure, created_by, created_at, closure_reason, closure_group, closed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $6, $12, $13, $14)`,
      params: [
        c.id,
        c.subjectId,
        c.districtId,
        c.municipalityCode,
        c.closedAtIntake ? 'CLOSED' : 'RECEIVED',
        c.at,
        c.episodeNo,
        c.previousCaseId,
        c.reReferral,
        c.daysSincePreviousClosure,
        c.createdBy,
        c.closedAtIntake?.reason ?? null,
        c.closedAtIntake?.group ?? null,
        c.closedAtIntake ? c.at : null,
      ],
    });
  }

  /** Deferred (Tx.defer): the history row goes with the request's audit events in one statement before COMMIT. */
  insertTransition(tx: Tx, t: TransitionRow): void {
    tx.defer({
      sql: `INSERT INTO case_transitions (case_id, from_state, to_state, at, by_user_id, by_role, reason_code) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      params: [t.caseId, t.from, t.to, t.at, t.byUserId, t.byRole, t.reasonCode],
    });
  }

  /** Deferred (Tx.defer): the open case is locked by subjectCases; nothing reads the row back. */
  raiseSignal(tx: Tx, caseId: string): void {
    tx.defer({ sql: `UPDATE cases SET has_unreviewed_signal = true, version = version + 1, updated_at = now() WHERE id = $1`, params: [caseId] });
  }

  /** Deferred (Tx.defer): see insertCase. */
  insertReferral(tx: Tx, r: NewReferral, status: string, decidedAt: Date | null): void {
    tx.defer({
      sql:
        `INSERT INTO referrals (id, case_id, subject_id, source_type, referrer_org_id, submitted_by_user_id, api_key_id, received_at, incident_month, reason_codes,
         legal_basis_code, consent_given, consent_date, status, decided_at, attached_to_open_case, subject_match, external_reference, fraud_type, amount_band,
         bank_registration_status, notes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $6)`,
      params: [
        r.id,
        r.caseId,
        r.subjectId,
        r.sourceType,
        r.referrerOrgId,
        r.submittedByUserId,
        r.apiKeyId,
        r.receivedAt,
        r.incidentMonth,
        r.reasonCodes,
        r.legalBasisCode,
        r.consentGiven,
        r.consentDate,
        status,
        decidedAt,
        r.attachedToOpenCase,
        r.subjectMatch,
        r.externalReference,
        r.fraudType,
        r.amountBand,
        r.bankRegistrationStatus,
        r.notes,
      ],
    });
  }

  /** Referral access facts over aliases `r` and `c` (its case). */
  referralFacts(caseFactMap: FactMap): FactMap {
    return { referrerOrgId: { sql: 'r.referrer_org_id', type: 'uuid' }, ...caseFactMap };
  }

  async accessFacts(tx: Tx, facts: FactMap, p: SqlParams): Promise<(Record<string, unknown> & { subjectId: string; caseId: string }) | null> {
    return tx.one(`SELECT r.subject_id AS "subjectId", r.case_id AS "caseId", r.version, ${selectFacts(facts)} FROM referrals r JOIN cases c ON c.id = r.case_id WHERE r.id = $1`, p.values);
  }

  /** One keyset page with each row's access facts (prefixed `fact:`), for per-row field filtering. */
  async list(tx: Tx, scope: string, facts: FactMap, p: SqlParams, f: { status?: string; caseId?: string; after: [string, string] | null; limit: number }): Promise<Array<ReferralRow & Record<string, unknown>>> {
    const where = [scope];
    if (f.status) where.push(`r.status = ${p.add(f.status)}`);
    if (f.caseId) where.push(`r.case_id = ${p.add(f.caseId)}::uuid`);
    if (f.after) where.push(`(r.received_at, r.id) < (${p.add(f.after[0])}::timestamptz, ${p.add(f.after[1])}::uuid)`);
    return tx.query<ReferralRow & Record<string, unknown>>(
      `SELECT ${COLUMNS}, ${selectFacts(facts, 'fact:')} FROM referrals r JOIN cases c ON c.id = r.case_id WHERE ${where.join(' AND ')} ORDER BY r.received_at DESC, r.id DESC LIMIT ${p.add(f.limit + 1)}`,
      p.values,
    );
  }

  async get(tx: Tx, id: string): Promise<ReferralRow | null> {
    return tx.one<ReferralRow>(`SELECT ${COLUMNS} FROM referrals r JOIN cases c ON c.id = r.case_id WHERE r.id = $1`, [id]);
  }

  /** Decides a signal that joined an open case; clears the case's flag when no undecided signal is left. */
  async decideSignal(tx: Tx, id: string, version: number, status: string, at: Date): Promise<number | null> {
    const row = await tx.one<{ version: number; caseId: string }>(
      `UPDATE referrals SET status = $3, decided_at = $4, version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $2 AND attached_to_open_case AND status = 'RECEIVED' RETURNING version, case_id AS "caseId"`,
      [id, version, status, at],
    );
    if (!row) return null;
    await tx.exec(
      `UPDATE cases SET has_unreviewed_signal = EXISTS (SELECT 1 FROM referrals WHERE case_id = $1 AND attached_to_open_case AND status = 'RECEIVED'),
         version = version + 1, updated_at = now() WHERE id = $1`,
      [row.caseId],
    );
    return row.version;
  }
}
