import type { AttemptResult, CareStatus, CaseState } from '../../common/domain-enums.js';
import type { ReferralSource } from './release-person.js';

/**
 * What a release build reads from the live case tables (research-data.md §2.1), already reduced to the codes and
 * dates the derivation needs: no names, addresses, free text, phone numbers, references, hold reasons or user ids.
 * `…On` fields are local dates (`YYYY-MM-DD`) in the programme time zone; `…At` fields are ISO-8601 UTC instants,
 * used only to order events that fall on the same day. Ids link records to each other and never reach a row.
 */
export interface ReleaseSourceFacts {
  /** Persons (subjects after merges) whose first recorded attempt lies between the window start and the cutoff. */
  persons: SourcePerson[];
  /** Persons whose first attempt lies before the window start: counted only, their records are not read. */
  personsBeforeWindow: number;
  /** Every case of the loaded persons. */
  cases: SourceCase[];
  /** Referrals of the loaded persons received on or before the cutoff, on any of their cases. */
  referrals: SourceReferral[];
  /** Visits with at least one attempt on or before the cutoff. */
  visits: SourceVisit[];
  /** Attempts on or before the cutoff. */
  attempts: SourceAttempt[];
  conversations: SourceConversation[];
  careReferrals: SourceCareReferral[];
  followUps: SourceFollowUp[];
  /** State moves on or before the cutoff; the reason code is left out (a hold reason is police-origin data). */
  transitions: SourceTransition[];
}

export type SubjectSex = 'FEMALE' | 'MALE' | 'X' | 'UNKNOWN';

export interface SourcePerson {
  /** Subject id after merges. */
  personKey: string;
  dateOfBirth: string;
  sex: SubjectSex;
}

export interface SourceCase {
  caseId: string;
  personKey: string;
  closureReason: string | null;
  closedOn: string | null;
}

export interface SourceReferral {
  caseId: string;
  personKey: string;
  sourceType: ReferralSource;
  receivedAt: string;
  receivedOn: string;
  /** `YYYY-MM`; null when the referrer did not give it. */
  incidentMonth: string | null;
}

export interface SourceVisit {
  visitId: string;
  caseId: string;
  plannedStart: string;
  /** From the visit's address snapshot (the case's municipality when an old snapshot lacks it). */
  municipalityCode: string;
}

export interface SourceAttempt {
  visitId: string;
  caseId: string;
  occurredAt: string;
  occurredOn: string;
  result: AttemptResult;
}

export interface SourceConversation {
  caseId: string;
  heldAt: string;
  heldOn: string;
  parentPresent: boolean | null;
}

export interface SourceCareReferral {
  caseId: string;
  /** The current status; the table keeps no history, only when this status was reached. */
  status: CareStatus;
  statusOn: string;
}

export interface SourceFollowUp {
  caseId: string;
  dueOn: string;
  occurredOn: string | null;
  result: 'REACHED' | 'NOT_REACHED' | 'CANCELLED' | null;
}

export interface SourceTransition {
  caseId: string;
  toState: CaseState;
  at: string;
  on: string;
}
