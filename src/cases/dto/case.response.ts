export class CaseListSubject {
  displayName!: string;
  ageAtReferral!: number;
}

export class CaseListItem {
  id!: string;
  state!: string;
  districtId!: string;
  subject!: CaseListSubject;
  nextVisitAt!: string | null;
  overdue!: boolean;
  version!: number;
  createdAt!: string;
  stateChangedAt!: string;
  priority!: string;
  hasUnreviewedSignal!: boolean;
  reReferral!: boolean;
  caseManagerUserId!: string | null;
}

export class CasePage {
  items!: CaseListItem[];
  nextCursor!: string | null;
}

/**
 * A case with its subject, referrals, visits and attempts, conversation, care referrals, follow-ups
 * and state history. Only the fields the caller's role may read are present (domain.md §4.2).
 */
export class CaseResponse {
  id!: string;
  state?: string;
  districtId?: string;
  municipalityCode?: string;
  stateChangedAt?: string;
  caseManagerUserId?: string | null;
  priority?: string;
  episodeNo?: number;
  previousCaseId?: string | null;
  reReferral?: boolean;
  daysSincePreviousClosure?: number | null;
  holdUntil?: string | null;
  /** Police-origin */
  holdReason?: string | null;
  hasUnreviewedSignal?: boolean;
  countedAttempts?: number;
  firstAttemptAt?: string | null;
  nextVisitAt?: string | null;
  nextFollowUpDueAt?: string | null;
  overdue?: boolean;
  policeClearance?: Record<string, unknown>;
  closureReason?: string | null;
  closureGroup?: string | null;
  closedAt?: string | null;
  closureComment?: string | null;
  version?: number;
  createdAt?: string;
  updatedAt?: string;
  subject?: Record<string, unknown>;
  referrals?: Array<Record<string, unknown>>;
  transitions?: Array<Record<string, unknown>>;
  visits?: Array<Record<string, unknown>>;
  attempts?: Array<Record<string, unknown>>;
  conversation?: Record<string, unknown> | null;
  careReferrals?: Array<Record<string, unknown>>;
  followUps?: Array<Record<string, unknown>>;
}
