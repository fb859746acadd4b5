export class ReferralCreatedResponse {
  id!: string;
  receivedAt!: string;
  /** RECEIVED, ACCEPTED or NOT_ACCEPTED */
  status!: string;
  /** Coordinators only: the case the referral opened or joined */
  caseId?: string;
  /** Coordinators only: NEW, LINKED or POSSIBLE_DUPLICATE */
  subjectMatch?: string;
  /** Coordinators only: e.g. AGE_OUTSIDE_ELIGIBLE_RANGE */
  warnings?: string[];
}

export class ReferrerConsentResponse {
  given!: boolean;
  date!: string | null;
}

/** A referral; a referrer only ever receives `id`, `receivedAt` and `status` (the receipt). */
export class ReferralResponse {
  id!: string;
  receivedAt?: string;
  status?: string;
  caseId?: string;
  subjectId?: string;
  districtId?: string;
  sourceType?: string;
  referrerOrganisationId?: string;
  incidentMonth?: string | null;
  reasonCodes?: string[];
  legalBasisCode?: string;
  consentObtainedByReferrer?: ReferrerConsentResponse | null;
  decidedAt?: string | null;
  attachedToOpenCase?: boolean;
  subjectMatch?: string;
  externalReference?: string | null;
  fraudType?: string | null;
  amountBand?: string | null;
  bankRegistrationStatus?: string | null;
  notes?: string | null;
  version?: number;
}

export class ReferralPage {
  items!: ReferralResponse[];
  nextCursor!: string | null;
}
