import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { Tx } from '../../database/tx.js';
import { isMonthCode } from '../registry/period-codes.js';
import { ResearchError } from '../research.errors.js';
import { isQuarterEnd } from './calendar.js';
import type {
  ReleaseSourceFacts,
  SourceAttempt,
  SourceCareReferral,
  SourceCase,
  SourceConversation,
  SourceFollowUp,
  SourcePerson,
  SourceReferral,
  SourceTransition,
  SourceVisit,
} from './release-source-facts.js';

export interface ReleaseSourceWindow {
  /** `YYYY-MM`, the first month of the release window (a quarter start). */
  fromMonth: string;
  /** `YYYY-MM-DD`, the release cutoff (a quarter end). */
  cutoff: string;
}

// Parameters shared by every statement: $1 first day of the window, $2 cutoff, $3 programme time zone.
const LOCAL = (column: string) => `to_char((${column} AT TIME ZONE $3)::date, 'YYYY-MM-DD')`;
const ON_OR_BEFORE_CUTOFF = (column: string) => `(${column} AT TIME ZONE $3)::date <= $2::date`;
const INSTANT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Persons (subjects after merges: a merge moves cases to the surviving subject, so `cases.subject_id` is the person) with
 * their first recorded attempt on or before the cutoff. Subjects merged away are skipped. Attempts after the cutoff did
 * not exist at the cutoff, so they neither make anyone visited nor move anyone's index date.
 */
const PERSONS = `
  visited AS (
    SELECT s.id, s.date_of_birth, s.sex, min(a.occurred_at) AS first_attempt_at
      FROM subjects s
      JOIN cases c ON c.subject_id = s.id
      JOIN visit_attempts a ON a.case_id = c.id
     WHERE s.merged_into_id IS NULL AND ${ON_OR_BEFORE_CUTOFF('a.occurred_at')}
     GROUP BY s.id),
  persons AS (SELECT * FROM visited WHERE (first_attempt_at AT TIME ZONE $3)::date >= $1::date),
  person_cases AS (SELECT c.id, c.subject_id, c.municipality_code, c.closure_reason, c.closed_at FROM cases c JOIN persons p ON p.id = c.subject_id)`;

/**
 * Reads what a release derivation needs from the live case tables (research-data.md §2.1), nothing more: explicit
 * columns only, no names, addresses (only the municipality code of a visit's snapshot), phone numbers, free text,
 * references, amount bands, fraud types, hold reasons or vulnerability flags. Dates are converted to the programme's
 * local dates in SQL. The caller opens the transaction (REPEATABLE READ, so every statement sees one snapshot) and
 * registers the persons it includes with its audit event; this repository only reads.
 */
@Injectable()
export class ReleaseSourceRepository {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async load(tx: Tx, window: ReleaseSourceWindow): Promise<ReleaseSourceFacts> {
    if (!isMonthCode(window.fromMonth)) throw new ResearchError('VALIDATION_FAILED', 'fromMonth is a month YYYY-MM');
    if (!isQuarterEnd(window.cutoff)) throw new ResearchError('VALIDATION_FAILED', 'a release cutoff is a quarter end');
    const params = [`${window.fromMonth}-01`, window.cutoff, this.config.workflow.programmeTimeZone];
    const q = <T extends object>(select: string) => tx.query<T & Record<string, unknown>>(`WITH ${PERSONS} ${select}`, params);

    const before = await tx.one<{ n: number }>(
      `WITH ${PERSONS} SELECT count(*)::int AS n FROM visited WHERE (first_attempt_at AT TIME ZONE $3)::date < $1::date`,
      params,
    );
    const persons = await q<SourcePerson>(
      `SELECT id AS "personKey", to_char(date_of_birth, 'YYYY-MM-DD') AS "dateOfBirth", sex FROM persons ORDER BY id`,
    );
    const cases = await q<SourceCase>(
      `SELECT id AS "caseId", subject_id AS "personKey", closure_reason AS "closureReason", ${LOCAL('closed_at')} AS "closedOn"
         FROM person_cases ORDER BY id`,
    );
    const referrals = await q<SourceReferral>(
      `SELECT r.case_id AS "caseId", c.subject_id AS "personKey", r.source_type AS "sourceType", ${INSTANT('r.received_at')} AS "receivedAt",
              ${LOCAL('r.received_at')} AS "receivedOn", r.incident_month AS "incidentMonth"
         FROM referrals r JOIN person_cases c ON c.id = r.case_id
        WHERE ${ON_OR_BEFORE_CUTOFF('r.received_at')}
        ORDER BY r.received_at, r.id`,
    );
    const visits = await q<SourceVisit>(
      `SELECT v.id AS "visitId", v.case_id AS "caseId", ${INSTANT('v.planned_start')} AS "plannedStart",
              COALESCE(v.address_snapshot ->> 'municipalityCode', c.municipality_code) AS "municipalityCode"
         FROM visits v JOIN person_cases c ON c.id = v.case_id
        WHERE EXISTS (SELECT 1 FROM visit_attempts a WHERE a.visit_id = v.id AND ${ON_OR_BEFORE_CUTOFF('a.occurred_at')})
        ORDER BY v.planned_start, v.id`,
    );
    const attempts = await q<SourceAttempt>(
      `SELECT a.visit_id AS "visitId", a.case_id AS "caseId", ${INSTANT('a.occurred_at')} AS "occurredAt", ${LOCAL('a.occurred_at')} AS "occurredOn", a.result
         FROM visit_attempts a JOIN person_cases c ON c.id = a.case_id
        WHERE ${ON_OR_BEFORE_CUTOFF('a.occurred_at')}
        ORDER BY a.occurred_at, a.id`,
    );
    const conversations = await q<SourceConversation>(
      `SELECT cv.case_id AS "caseId", ${INSTANT('cv.held_at')} AS "heldAt", ${LOCAL('cv.held_at')} AS "heldOn", cv.parent_present AS "parentPresent"
         FROM conversations cv JOIN person_cases c ON c.id = cv.case_id
        WHERE ${ON_OR_BEFORE_CUTOFF('cv.held_at')}
        ORDER BY cv.held_at, cv.id`,
    );
    const careReferrals = await q<SourceCareReferral>(
      `SELECT cr.case_id AS "caseId", cr.status, ${LOCAL('cr.status_at')} AS "statusOn"
         FROM care_referrals cr JOIN person_cases c ON c.id = cr.case_id
        ORDER BY cr.status_at, cr.id`,
    );
    const followUps = await q<SourceFollowUp>(
      `SELECT f.case_id AS "caseId", ${LOCAL('f.due_at')} AS "dueOn", ${LOCAL('f.occurred_at')} AS "occurredOn", f.result
         FROM follow_up_contacts f JOIN person_cases c ON c.id = f.case_id
        ORDER BY f.case_id, f.sequence_no`,
    );
    const transitions = await q<SourceTransition>(
      `SELECT t.case_id AS "caseId", t.to_state AS "toState", ${INSTANT('t.at')} AS "at", ${LOCAL('t.at')} AS "on"
         FROM case_transitions t JOIN person_cases c ON c.id = t.case_id
        WHERE ${ON_OR_BEFORE_CUTOFF('t.at')}
        ORDER BY t.at, t.id`,
    );
    return { persons, personsBeforeWindow: before?.n ?? 0, cases, referrals, visits, attempts, conversations, careReferrals, followUps, transitions };
  }
}
